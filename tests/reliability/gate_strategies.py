"""Hypothesis strategies for hostile POST /process requests: headers, bodies, nesting, numbers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

ACTIONS = ("echo", "analyze_text", "chat", "", "ECHO", "echo ", "../admin")
CONTEXTS = ("default", "ops", "nowhere", "", "default\u202e")
# Printable and not: C0/C1 controls, bidi overrides, lone surrogates, astral characters.
HOSTILE_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()),
    max_size=64,
) | st.sampled_from(["\x00", "\u202e", "\ud800", "\U0001f4a9", "a" * 40_000, "\t\n\r"])
HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80
) | st.sampled_from(["", " ", "Bearer", "bearer  ", "Basic dXNlcjpwYXNz"])
HUGE_NUMBERS = st.sampled_from(
    ["1e999", "-1e999", "1" + "0" * 5000, "-0", "1e-999", "123456789012345678901234567890"]
)


@dataclass(frozen=True)
class HostileRequest:
    """One generated request: which key to present and how, extra headers, the raw body."""

    key_mode: str
    header_junk: dict[str, str]
    content_type: str
    body: bytes


def _json_values() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**40), max_value=10**40)
        | st.floats(allow_nan=False, allow_infinity=False)
        | HOSTILE_TEXT
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_TEXT, inner, max_size=4)
        ),
        max_leaves=20,
    )


def _envelopes() -> st.SearchStrategy[bytes]:
    payload = st.fixed_dictionaries(
        {},
        optional={
            "message": _json_values(),
            "text": _json_values(),
            "top_n": st.integers() | st.floats(allow_nan=False) | st.just(2.0),
            "summary_sentences": st.integers() | st.floats(allow_nan=False) | st.just(1.0),
            "messages": _json_values(),
        },
    )
    envelope = st.fixed_dictionaries(
        {
            "action": st.sampled_from(ACTIONS) | HOSTILE_TEXT,
            "context_id": st.sampled_from(CONTEXTS) | HOSTILE_TEXT,
            "payload": payload | _json_values(),
        },
        optional={"extra": _json_values()},
    )
    # Well-formed calls with unusual but legal text, so the allow path is exercised too.
    legal = st.text(st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn")), max_size=200)
    valid = legal.map(
        lambda text: {"action": "echo", "context_id": "default", "payload": {"message": text}}
    )
    numbers = st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.just(2.0)
    analyse = st.fixed_dictionaries(
        {"text": legal.filter(str.strip)},
        optional={"top_n": numbers, "summary_sentences": numbers},
    ).map(lambda payload: {"action": "analyze_text", "context_id": "ops", "payload": payload})
    return (envelope | valid | analyse).map(
        lambda doc: json.dumps(doc).encode("utf-8", "surrogatepass")
    )


def _raw_bodies() -> st.SearchStrategy[bytes]:
    depth = st.integers(min_value=1, max_value=200_000)
    nested = depth.map(lambda n: b"[" * n + b"]" * n) | depth.map(
        lambda n: b'{"a":' * n + b"1" + b"}" * n
    )
    number_bodies = HUGE_NUMBERS.map(
        lambda number: (
            '{"action":"analyze_text","context_id":"default","payload":{"text":"a b. c",'
            f'"top_n":{number}}}}}'
        ).encode()
    )
    return (
        st.binary(max_size=256)
        | nested
        | number_bodies
        | _json_values().map(lambda value: json.dumps(value).encode("utf-8", "surrogatepass"))
    )


def hostile_requests() -> st.SearchStrategy[HostileRequest]:
    """Return requests mixing key modes, junk headers, content types and hostile bodies."""
    return st.builds(
        HostileRequest,
        # Half the requests carry a good key and JSON, so the later gates get hostile input.
        key_mode=st.just("x-api-key")
        | st.sampled_from(["bearer", "both", "junk", "none", "conflict"]),
        header_junk=st.dictionaries(
            st.sampled_from(["X-Request-Id", "traceparent", "X-API-KEY", "Authorization"]),
            HEADER_TEXT,
            max_size=2,
        ),
        content_type=st.just("application/json")
        | st.sampled_from(["application/json; charset=utf-8", "text/plain", "", "a/b"]),
        body=_envelopes() | _raw_bodies(),
    )
