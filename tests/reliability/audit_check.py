"""Read an audit log strictly, line by line, and tell which requests are fully recorded."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs

from service.audit import AUDIT_EVENT_SCHEMA_PATH

# What the log must hold for a POST /process that got 200: every gate's ALLOW, the
# executor choice and result, and the end with its status.
SUCCESS_EVENTS = (
    "REQUEST_START",
    "DECISION",
    "DECISION",
    "DECISION",
    "DECISION",
    "EXECUTOR_SELECTED",
    "ACTION_EXECUTED",
    "REQUEST_END",
)
SUCCESS_GATES = ("authn", "rate_limit", "input", "authz")
# A crash run leaves ~60,000 lines: jsonschema's validator took over a minute on them,
# the Rust one (same Draft 2020-12 schema) a tenth of a second.
_VALIDATOR = jsonschema_rs.validator_for(
    json.loads(AUDIT_EVENT_SCHEMA_PATH.read_text(encoding="utf-8"))
)


@dataclass
class AuditFile:
    """Events by trace id, plus every line that is not a schema-valid event object."""

    lines: int = 0
    torn_tail: bool = False
    bad_lines: list[int] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


def parse_audit(path: Path) -> AuditFile:
    """Parse every line; record 1-based numbers of lines that are not valid events."""
    data = path.read_bytes()
    raw_lines = data.split(b"\n")
    audit = AuditFile(torn_tail=raw_lines[-1] != b"")
    for number, raw in enumerate(raw_lines, start=1):
        if not raw:
            continue
        audit.lines += 1
        try:
            event = json.loads(raw)
        except ValueError:
            audit.bad_lines.append(number)
            continue
        if not isinstance(event, dict) or not _VALIDATOR.is_valid(event):
            audit.bad_lines.append(number)
            continue
        audit.events[str(event["trace_id"])].append(event)
    return audit


def is_complete_success(events: list[dict[str, Any]]) -> bool:
    """Return whether a trace's events are the full record of a 200 from /process."""
    if tuple(event["event"] for event in events) != SUCCESS_EVENTS:
        return False
    gates = tuple(event["gate"] for event in events if event["event"] == "DECISION")
    decisions = {event["decision"] for event in events if event["event"] == "DECISION"}
    return gates == SUCCESS_GATES and decisions == {"ALLOW"} and events[-1]["status"] == 200


def incomplete_traces(audit: AuditFile, trace_ids: Iterable[str]) -> list[str]:
    """Return the trace ids whose success record is missing or partial."""
    return [trace for trace in trace_ids if not is_complete_success(audit.events.get(trace, []))]
