"""The durability tests' audit reader: what it counts as a bad line and a full success."""

from __future__ import annotations

import json
from pathlib import Path

from service.audit.writer import encode_event
from tests.reliability.audit_check import incomplete_traces, parse_audit


def _success(trace_id: str) -> list[str]:
    """The lines the backend writes for one 200 from /process (as in a real run's log)."""
    key = {"key_id": "key_cddeeb384026af80"}
    lines = [encode_event(trace_id, "REQUEST_START", {"method": "POST", "route": "/process"})]
    for gate in ("authn", "rate_limit", "input", "authz"):
        decision = {"gate": gate, "decision": "ALLOW", "reason": "OK", **key}
        lines.append(encode_event(trace_id, "DECISION", decision))
    selected = {**key, "action": "echo", "context_id": "default", "executor_id": "echo"}
    lines.append(encode_event(trace_id, "EXECUTOR_SELECTED", selected))
    executed = {"executor_id": "echo", "outcome": "success", "duration_ms": 0.01}
    lines.append(encode_event(trace_id, "ACTION_EXECUTED", executed))
    end = {"status": 200, "outcome": "success", "reason_codes": [], "duration_ms": 0.7}
    lines.append(encode_event(trace_id, "REQUEST_END", end))
    return lines


def test_schema_invalid_non_json_and_torn_lines_are_bad_and_nothing_else(tmp_path: Path) -> None:
    good = _success("trace-good-1")
    not_an_event = json.dumps({"trace_id": "trace-bad-1", "event": "NO_SUCH_EVENT"}) + "\n"
    path = tmp_path / "audit.jsonl"
    path.write_text("".join([*good, not_an_event, "{not json\n", "[1, 2]\n", good[0][:20]]))
    audit = parse_audit(path)
    first_bad = len(good) + 1
    assert audit.bad_lines == [first_bad, first_bad + 1, first_bad + 2, first_bad + 3]
    assert audit.torn_tail
    assert incomplete_traces(audit, ["trace-good-1", "trace-missing-1"]) == ["trace-missing-1"]
