"""A request's audit record: the same lines as encode_event, queued together at its end."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from service.audit import AUDIT_EVENT_SCHEMA_PATH, AuditWriter
from service.audit.journal import RequestJournal

TRACE = "tr_" + "f" * 32
KEY = "key_0123456789abcdef"
VALIDATOR = Draft202012Validator(json.loads(AUDIT_EVENT_SCHEMA_PATH.read_text()))


def no_errors(count: int) -> None:
    raise AssertionError(f"{count} audit events failed to write")


def events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
async def writer(tmp_path: Path) -> AsyncIterator[AuditWriter]:
    started = AuditWriter(tmp_path / "audit.jsonl", durability="fsync", on_write_error=no_errors)
    await started.start()
    yield started
    await started.close()


async def test_a_request_is_written_in_order_once_it_ends(writer: AuditWriter) -> None:
    record = RequestJournal(writer).start(TRACE, "POST", "/process")
    record.decision("authn", "ALLOW", "OK", KEY)
    record.executor_selected(KEY, "echo", "default", "echo")
    record.action_executed("echo", "success", 0.125)
    await writer.commit()
    assert writer.path.read_text() == "", "nothing is queued before REQUEST_END"
    await record.end(502, "failed", ("EXECUTOR_ERROR",))
    written = events(writer.path)
    for event in written:
        VALIDATOR.validate(event)
        assert list(event)[:3] == ["trace_id", "ts_utc", "event"]
    assert [e["event"] for e in written] == [
        "REQUEST_START",
        "DECISION",
        "EXECUTOR_SELECTED",
        "ACTION_EXECUTED",
        "REQUEST_END",
    ]
    assert written[1] | {"ts_utc": ""} == {
        "trace_id": TRACE,
        "ts_utc": "",
        "event": "DECISION",
        "gate": "authn",
        "decision": "ALLOW",
        "reason": "OK",
        "key_id": KEY,
    }
    assert written[3]["duration_ms"] == 0.125
    end = written[4]
    assert (end["status"], end["outcome"], end["reason_codes"]) == (
        502,
        "failed",
        ["EXECUTOR_ERROR"],
    )


async def test_denied_before_authentication_records_a_null_key(writer: AuditWriter) -> None:
    journal = RequestJournal(writer)
    record = journal.start(TRACE, "POST", "/process")
    record.decision("authn", "DENY", "AUTHENTICATION_MISSING", None)
    await record.end(401, "denied", ("AUTHENTICATION_MISSING",))
    record = journal.start(TRACE, "POST", "/admin/keys")
    record.event("KEY_REVOKED", key_id=KEY, actor="cli")
    await record.end(200, "success")
    written = events(writer.path)
    for event in written:
        VALIDATOR.validate(event)
    assert written[1]["key_id"] is None
    assert written[4] | {"ts_utc": ""} == {
        "trace_id": TRACE,
        "ts_utc": "",
        "event": "KEY_REVOKED",
        "key_id": KEY,
        "actor": "cli",
    }
    assert written[5]["reason_codes"] == []
