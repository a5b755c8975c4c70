"""The audit trail over HTTP: server-made ids, a record for every end, fsync fails closed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from service.cli.main import main
from service.gates.input import InputGate
from service.http.state import AUDIT
from service.storage import SqliteKeyStore, StorageError

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
GENERATED = re.compile(r"^tr_[0-9a-f]{32}$")


def by_trace(service: Any, trace_id: str) -> list[dict[str, Any]]:
    return [e for e in service.audit_events() if e["trace_id"] == trace_id]


async def test_a_reused_caller_id_never_merges_two_requests(
    service: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await service.issue_key("viewer")
    first = await service.process(key, ECHO, **{"X-Request-Id": "client-req-0001"})
    second = await service.process(
        key, {**ECHO, "action": "nope"}, **{"X-Request-Id": "client-req-0001"}
    )
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert all(GENERATED.match(i) for i in ids) and ids[0] != ids[1]
    assert (await second.json())["trace_id"] == ids[1]
    starts = [e for e in service.audit_events() if e["event"] == "REQUEST_START"]
    assert [(s["trace_id"], s["correlation_id"]) for s in starts] == [
        (ids[0], "client-req-0001"),
        (ids[1], "client-req-0001"),
    ]
    monkeypatch.setenv("TECHNO_AUDIT_PATH", str(service.settings.resolved_audit_path))
    assert main(["audit", ids[1]]) == 0
    own = capsys.readouterr().out.splitlines()
    assert len(own) == len(by_trace(service, ids[1])) == 5  # start, authn, limit, input, end
    assert main(["audit", "client-req-0001"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out.count(f"request {ids[0]}") == 1 and out.count(f"request {ids[1]}") == 1
    assert out.index(f"request {ids[1]}") == len(by_trace(service, ids[0])) + 1


async def test_a_key_store_outage_503_leaves_its_record(
    service: Any, monkeypatch: pytest.MonkeyPatch, expect_error: Any
) -> None:
    key = await service.issue_key("viewer")

    async def down(self: SqliteKeyStore, key_id: str) -> None:
        raise StorageError("disk gone")

    monkeypatch.setattr(SqliteKeyStore, "get_key", down)
    body = await expect_error(await service.process(key, ECHO), 503, "STORAGE_UNAVAILABLE")
    events = by_trace(service, body["trace_id"])
    assert [e["event"] for e in events] == ["REQUEST_START", "REQUEST_END"]
    assert events[-1]["status"] == 503 and events[-1]["reason_codes"] == ["STORAGE_UNAVAILABLE"]


async def test_an_unhandled_500_leaves_its_record(
    service: Any, monkeypatch: pytest.MonkeyPatch, expect_error: Any
) -> None:
    key = await service.issue_key("viewer")

    def broken(self: InputGate, document: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(InputGate, "check_process", broken)
    body = await expect_error(await service.process(key, ECHO), 500, "INTERNAL_ERROR")
    end = by_trace(service, body["trace_id"])[-1]
    assert (end["event"], end["status"], end["outcome"]) == ("REQUEST_END", 500, "failed")


async def test_fsync_mode_fails_closed_and_recovers_without_restart(
    make_service: Any, tmp_path: Path, expect_error: Any
) -> None:
    path = tmp_path / "audit.jsonl"
    service = await make_service(audit_path=path, audit_durability="fsync")
    key = await service.issue_key("viewer")
    assert (await service.process(key, ECHO)).status == 200
    saved = tmp_path / "audit.saved"
    path.rename(saved)
    path.symlink_to("/dev/full")  # every write fails with ENOSPC
    body = await expect_error(await service.process(key, ECHO), 503, "AUDIT_UNAVAILABLE")
    await expect_error(await service.client.get("/ready"), 503, "AUDIT_UNAVAILABLE")
    await expect_error(await service.client.get("/ready"), 503, "AUDIT_UNAVAILABLE")
    path.unlink()
    saved.rename(path)
    ready = await service.client.get("/ready")  # its probe writes the gap record
    assert ready.status == 200
    assert service.client.app[AUDIT].healthy
    again = await service.process(key, ECHO)
    assert again.status == 200
    events = service.audit_events()
    assert not [e for e in events if e["trace_id"] == body["trace_id"]]
    gaps = [e for e in events if e["event"] == "AUDIT_GAP"]
    assert len(gaps) == 1 and gaps[0]["lost_events"] >= 8
    assert by_trace(service, again.headers["X-Request-Id"])[-1]["status"] == 200


async def test_session_requests_name_the_session(service: Any) -> None:
    key = await service.issue_key("viewer")
    session = await service.open_session(key)
    response = await service.process(session["token"], ECHO)
    assert response.status == 200
    events = by_trace(service, response.headers["X-Request-Id"])
    named = [e for e in events if e["event"] in ("DECISION", "EXECUTOR_SELECTED", "REQUEST_END")]
    assert len(named) == 6
    assert {e.get("session_id") for e in named} == {session["session_id"]}
    assert {e.get("key_id") for e in named if "key_id" in e} == {session["key_id"]}
