"""Read the audit log back: a request's events in order, with damaged lines reported.

A request is found by its own id (the server-made trace_id) or by the caller's
correlation id; several requests may share a correlation id, and each one's
events stay apart, under its own trace id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class TraceReport:
    """The matching requests' events by trace id, plus the problems met reading the log."""

    requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def events(self) -> list[dict[str, Any]]:
        """Return every matching event, request after request, each in log order."""
        return [event for events in self.requests.values() for event in events]


def read_trace(path: Path, trace_id: str) -> TraceReport:
    """Return the events of the request `trace_id`, or of every request it correlates."""
    report = TraceReport()
    requests = report.requests
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
        own = event.get("trace_id")
        if not isinstance(own, str):
            continue
        if own == trace_id or own in requests:
            requests.setdefault(own, []).append(event)
        elif event.get("event") == "REQUEST_START" and event.get("correlation_id") == trace_id:
            # A request's events follow its REQUEST_START: they are found by its own id.
            requests[own] = [event]
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
