"""Read the audit log back: one request's events in order, with damaged lines reported."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class TraceReport:
    """One trace's events, plus the problems met while reading the log."""

    events: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_trace(path: Path, trace_id: str) -> TraceReport:
    """Return every event of `trace_id` in log order; report torn or corrupt lines."""
    report = TraceReport()
    with path.open("rb") as handle:
        data = handle.read()
    lines = data.split(b"\n")
    torn_tail = lines[-1] != b""
    last_index = len(lines) - 1
    for index, raw in enumerate(lines):
        if not raw:
            continue
        try:
            event = json.loads(raw)
            if not isinstance(event, dict):
                raise ValueError("not an object")
        except ValueError:
            where = "last line" if index == last_index and torn_tail else f"line {index + 1}"
            related = " (mentions this trace id)" if trace_id.encode() in raw else ""
            report.problems.append(
                f"{path}: {where} is torn or corrupt ({len(raw)} bytes), skipped{related}"
            )
            continue
        if event.get("trace_id") == trace_id:
            report.events.append(event)
    return report


def format_event(event: dict[str, Any]) -> str:
    """Render one event as a single human-readable line."""
    rest = " ".join(
        f"{key}={_scalar(value)}"
        for key, value in event.items()
        if key not in ("trace_id", "ts_utc", "event")
    )
    return f"{event.get('ts_utc', '?')}  {event.get('event', '?'):<17}  {rest}".rstrip()


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
