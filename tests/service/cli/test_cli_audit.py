"""`python -m service audit TRACE_ID`: one request's events, in order, damage reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.audit.writer import encode_event
from service.cli.main import main

TRACE = "tr_" + "1" * 32
OTHER = "tr_" + "2" * 32


@pytest.fixture
def audit_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.delenv("TECHNO_DATA_DIR", raising=False)
    monkeypatch.setenv("TECHNO_AUDIT_PATH", str(path))
    path.write_text(
        encode_event(TRACE, "REQUEST_START", {"method": "POST", "route": "/process"})
        + encode_event(OTHER, "REQUEST_START", {"method": "GET", "route": "/admin/keys"})
        + encode_event(TRACE, "REQUEST_END", {"status": 200, "outcome": "success"})
    )
    return path


def test_prints_only_that_trace_in_order(
    audit_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", TRACE]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert "REQUEST_START" in out[0] and "route=/process" in out[0]
    assert "REQUEST_END" in out[1] and "status=200" in out[1]


def test_json_output_is_the_raw_events(audit_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", TRACE, "--json"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["event"] for e in events] == ["REQUEST_START", "REQUEST_END"]


def test_torn_last_line_is_reported_not_hidden(
    audit_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with audit_log.open("a") as handle:
        handle.write(f'{{"trace_id":"{TRACE}","ts_utc":"2026')
    assert main(["audit", TRACE]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert "last line is torn or corrupt" in captured.err
    assert "mentions this trace id" in captured.err


def test_unknown_trace_exits_1(audit_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "tr_" + "9" * 32]) == 1
    assert "no audit events" in capsys.readouterr().err


def test_missing_log_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TECHNO_AUDIT_PATH", str(tmp_path / "absent.jsonl"))
    assert main(["audit", TRACE]) == 1
    assert "cannot read audit log" in capsys.readouterr().err
