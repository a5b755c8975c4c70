"""Structural safety of a parsed JSON document: bounded depth, bounded, clean strings."""

from __future__ import annotations

import re
from typing import Any

MAX_DEPTH = 32
MAX_STRING_CHARS = 32_768
MAX_KEY_CHARS = 128
# C0 controls except tab/newline/carriage return, DEL, C1 controls, lone
# surrogates (JSON can spell them with \ud800) and bidi overrides that make
# text display differently from what it is.
_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)


def find_unsafe(document: Any, source: str | None = None) -> str | None:
    """Return a description (path and problem) of the first unsafe spot, or None.

    `source` is the JSON text `document` was parsed from, when the caller has it.
    """
    # The common case is a safe document: check it without building paths, and
    # walk again with paths only to describe a problem.
    if source is not None and "\\u" not in source and _UNSAFE_CHARS.search(source) is None:
        # Without \u escapes every character of every string and key is in the
        # text, so one scan of the text clears them all; only limits remain.
        # No string or key is longer than the text, and nothing nests deeper
        # than its brackets (counted inside strings too, which only overestimates).
        if len(source) <= MAX_KEY_CHARS and source.count("{") + source.count("[") < MAX_DEPTH:
            return None
        safe = _is_safe(document, scan_strings=False)
    else:
        safe = _is_safe(document, scan_strings=True)
    return None if safe else _describe_unsafe(document)


def _is_safe(document: Any, *, scan_strings: bool) -> bool:
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS or (scan_strings and _UNSAFE_CHARS.search(value)):
                return False
        elif isinstance(value, dict):
            if depth >= MAX_DEPTH:
                return False
            for key, item in value.items():
                if len(key) > MAX_KEY_CHARS or (scan_strings and _UNSAFE_CHARS.search(key)):
                    return False
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth >= MAX_DEPTH:
                return False
            stack.extend((item, depth + 1) for item in value)
    return True


def _describe_unsafe(document: Any) -> str:
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = _string_problem(value, MAX_STRING_CHARS)
            if problem is not None:
                return f"{path or 'body'}: {problem}"
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_DEPTH:
            return f"{path or 'body'}: nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value))
            continue
        for key, item in value.items():
            problem = _string_problem(key, MAX_KEY_CHARS)
            if problem is not None:
                return f"{path or 'body'}: a property name {problem}"
            stack.append((item, f"{path}.{key}" if path else key, depth + 1))
    return "body: unsafe content"


def _string_problem(text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"is longer than {limit} characters"
    if _UNSAFE_CHARS.search(text) is not None:
        return "contains control, surrogate or bidi-override characters"
    return None
