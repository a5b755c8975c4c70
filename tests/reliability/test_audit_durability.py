"""Durability: kill -9 under load loses no audited 2xx (fsync) or only the documented window."""

from __future__ import annotations

import json
import random
import secrets
import urllib.request
from pathlib import Path

import pytest

from service.audit import read_trace
from service.audit.writer import BUFFERED_FLUSH_SECONDS, encode_event
from tests.reliability.audit_check import incomplete_traces, parse_audit
from tests.reliability.crash_load import CrashRun, load_then_kill
from tests.reliability.reliability_backend import Backend
from tests.reliability.reliability_record import RunRecord, SecretRegistry, pick

# The writer's own slack on top of its flush period: one batch may be mid-write (fsync
# included) when an event is emitted, and its own batch then takes one more write.
WRITE_SLACK_SECONDS = 0.1


def _body(registry: SecretRegistry) -> str:
    return json.dumps(
        {"action": "echo", "context_id": "default", "payload": {"message": registry.marker("dur")}}
    )


def _crash_under_load(backend: Backend, key: str, body: str, bounded: bool) -> CrashRun:
    """Serve, load from 16 clients, and SIGKILL the backend at a random moment."""
    with backend.running() as server:
        return load_then_kill(
            backend.base_url + "/process",
            key,
            body,
            pid=server.pid,
            clients=16,
            kill_after_s=random.uniform(*pick(bounded, (1.5, 2.5), (4.0, 8.0))),
        )


def _one_request(backend: Backend, key: str, body: str, trace_id: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        backend.base_url + "/process",
        data=body.encode(),
        headers={"X-API-KEY": key, "Content-Type": "application/json", "X-Request-Id": trace_id},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return int(answer.status)


def _tear_last_line(path: Path, trace_id: str) -> None:
    # SIGKILL never splits a write() to a regular file, so the torn tail a power cut or a
    # full disk leaves is made here: the first bytes of a real event, no newline.
    line = encode_event(trace_id, "REQUEST_START", {"method": "POST", "route": "/process"})
    with path.open("ab") as handle:
        handle.write(line.encode()[: len(line) // 2])


@pytest.mark.reliability
def test_fsync_audit_survives_kill_9_and_reports_a_torn_tail(
    bounded: bool, run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    backend = Backend(test_folder, secret_registry, durability="fsync")
    key = backend.issue_key("operator")
    body = _body(secret_registry)
    crash = _crash_under_load(backend, key, body, bounded)
    torn_trace = f"rel-torn-{secrets.token_hex(8)}"
    _tear_last_line(backend.audit_path, torn_trace)

    # The operator's tool reports the torn tail instead of skipping it silently.
    torn = backend.cli("audit", torn_trace)
    assert torn.returncode == 1
    assert "last line is torn or corrupt" in torn.stderr and "mentions this trace id" in torn.stderr

    after_trace = f"rel-after-{secrets.token_hex(8)}"
    with backend.running():
        assert _one_request(backend, key, body, after_trace) == 200
    shown = backend.cli("audit", after_trace, "--json")
    assert shown.returncode == 0, shown.stderr
    assert [json.loads(line)["event"] for line in shown.stdout.splitlines()][-1] == "REQUEST_END"
    # After the restart the torn line is no longer last, and is still reported.
    assert "is torn or corrupt" in shown.stderr and "last line" not in shown.stderr

    audit = parse_audit(backend.audit_path)
    acknowledged = crash.ok_trace_ids()
    missing = incomplete_traces(audit, acknowledged)
    run_record.record(
        "durability_fsync",
        "tests/reliability/test_audit_durability.py::test_fsync_audit_survives_kill_9",
        acknowledged_2xx=len(acknowledged),
        unanswered_in_flight=crash.failures,
        incomplete_after_restart=len(missing),
        audit_lines=audit.lines,
        bad_lines_reported=len(audit.bad_lines),
        torn_tail_reported_by_cli=True,
    )
    assert len(acknowledged) > 100, "too little load before the kill to prove anything"
    assert missing == [], f"{len(missing)} acknowledged requests lost audit events: {missing[:5]}"
    assert len(audit.bad_lines) == 1, audit.bad_lines  # exactly the torn line, nothing else
    assert len(read_trace(backend.audit_path, after_trace).problems) == 1


@pytest.mark.reliability
def test_buffered_audit_loses_at_most_the_documented_window(
    bounded: bool, run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    backend = Backend(test_folder, secret_registry, durability="buffered")
    key = backend.issue_key("operator")
    crash = _crash_under_load(backend, key, _body(secret_registry), bounded)
    audit = parse_audit(backend.audit_path)
    window = BUFFERED_FLUSH_SECONDS + WRITE_SLACK_SECONDS
    must_survive = crash.ok_trace_ids(before=crash.killed_at - window)
    missing = incomplete_traces(audit, must_survive)
    lost = set(incomplete_traces(audit, crash.ok_trace_ids()))
    oldest_lost_age = max(
        (crash.killed_at - a.answered_at for a in crash.answers if a.trace_id in lost),
        default=0.0,
    )
    run_record.record(
        "durability_buffered",
        "tests/reliability/test_audit_durability.py::test_buffered_audit_loses_at_most",
        documented_window_s=BUFFERED_FLUSH_SECONDS,
        checked_window_s=round(window, 3),
        acknowledged_2xx=len(crash.ok_trace_ids()),
        lost_2xx=len(lost),
        oldest_lost_age_s=round(oldest_lost_age, 3),
        bad_lines=len(audit.bad_lines),
    )
    assert len(must_survive) > 100, "too little load before the kill to prove anything"
    assert missing == [], f"{len(missing)} requests older than {window}s lost events"
    assert audit.bad_lines == []
