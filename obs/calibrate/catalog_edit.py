"""Apply proposals to the catalog's text, line by line, so its comments and layout stay."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from obs.calibrate.rules import Proposal
from obs.catalog import load_catalog
from obs.catalog.numbers import promql_number

_SECTION = {"alert": "alerts", "slo": "slos"}


def _entry_span(lines: list[str], section: str, name: str) -> tuple[int, int]:
    """Return the [start, end) line span of `- name: NAME` inside the top-level section."""
    try:
        top = lines.index(f"{section}:\n")
    except ValueError:
        raise ValueError(f"the catalog has no top-level {section!r} section") from None
    entry = re.compile(rf"^(\s*)- name: {re.escape(name)}\s*$")
    for start in range(top + 1, len(lines)):
        if re.match(r"^\S", lines[start]):
            break
        found = entry.match(lines[start])
        if found:
            indent = found.group(1)
            end = start + 1
            while end < len(lines) and not re.match(rf"^{indent}- |^\S", lines[end]):
                end += 1
            return start, end
    raise ValueError(f"{section}: no entry named {name!r}")


def apply_proposals(text: str, proposals: Sequence[Proposal]) -> str:
    """Return the catalog text with each proposal's field set to its proposed value."""
    lines = text.splitlines(keepends=True)
    for proposal in proposals:
        kind, _, name = proposal.target.partition(" ")
        start, end = _entry_span(lines, _SECTION[kind], name)
        field = re.compile(rf"^(\s+){re.escape(proposal.field)}:\s*[^#\n]*(#.*)?$")
        for index in range(start, end):
            found = field.match(lines[index].rstrip("\n"))
            if found:
                comment = f"  {found.group(2)}" if found.group(2) else ""
                value = promql_number(proposal.proposed)
                lines[index] = f"{found.group(1)}{proposal.field}: {value}{comment}\n"
                break
        else:
            raise ValueError(f"{proposal.target}: no {proposal.field!r} field to change")
    return "".join(lines)


def validated(path: Path, new_text: str) -> str:
    """Load the changed catalog from a scratch copy: a proposal must never break it."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / path.name
        copy.write_text(new_text, encoding="utf-8")
        load_catalog(copy)
    return new_text
