"""A flood of unauthenticated requests and a full audit disk, against the real backend.

Both are bounded: loopback only, fixed request counts, a deadline per phase.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.reliability.audit_check import incomplete_traces, parse_audit
from tests.reliability.flood_load import WRONG_KEY, Group, fsync_count, send
from tests.reliability.reliability_backend import Backend
from tests.reliability.reliability_record import RunRecord, SecretRegistry, pick

ANONYMOUS_PER_MINUTE = 60


def _body(registry: SecretRegistry, label: str) -> str:
    return json.dumps(
        {"action": "echo", "context_id": "default", "payload": {"message": registry.marker(label)}}
    )


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback URL
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def _lines_not_of(path: Path, trace_ids: set[str]) -> tuple[int, int]:
    """Return (lines, bytes) of the audit log that belong to none of `trace_ids`."""
    lines = size = 0
    for raw in path.read_bytes().splitlines(keepends=True):
        try:
            trace_id = json.loads(raw).get("trace_id")
        except ValueError:
            trace_id = None
        if trace_id not in trace_ids:
            lines += 1
            size += len(raw)
    return lines, size


@pytest.mark.reliability
def test_an_unauthenticated_flood_is_limited_bounded_in_audit_and_costs_no_fsyncs(
    bounded: bool, run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    if shutil.which("strace") is None:
        pytest.skip("strace counts the server's fsyncs: apt-get install strace")
    backend = Backend(
        test_folder,
        secret_registry,
        durability="fsync",
        unauthenticated_per_minute=ANONYMOUS_PER_MINUTE,
    )
    key = backend.issue_key("operator")
    flood = pick(bounded, 3000, 12000)
    authenticated = pick(bounded, 400, 1500)
    no_key: Group = ({}, _body(secret_registry, "flood"), flood // 2, 4)
    wrong_key = ({"X-API-KEY": WRONG_KEY}, _body(secret_registry, "flood"), flood // 2, 4)
    with backend.running() as server:
        url = backend.base_url + "/process"
        with fsync_count(server.pid, test_folder / "strace-flood.txt") as alone:
            flood_alone = send(url, [no_key, wrong_key], seconds=60)
        real = ({"X-API-KEY": key}, _body(secret_registry, "auth"), authenticated, 4)
        with fsync_count(server.pid, test_folder / "strace-mixed.txt") as mixed:
            missing, wrong, with_auth = send(url, [no_key, wrong_key, real], seconds=60)
    # Stopped: the open summary windows are written at shutdown.
    denied = [*flood_alone, missing, wrong]
    sent_denied = sum(sum(a.statuses.values()) for a in denied)
    limited = sum(a.statuses[429] for a in denied)
    audit = parse_audit(backend.audit_path)
    ok = set(with_auth.ok_ids)
    lost = incomplete_traces(audit, with_auth.ok_ids)
    denied_lines, denied_bytes = _lines_not_of(backend.audit_path, ok)
    run_record.record(
        "unauthenticated_flood",
        "tests/reliability/test_flood_and_disk_full.py::test_an_unauthenticated_flood",
        denied_requests=sent_denied,
        answered_429=limited,
        answered_401=sum(a.statuses[401] for a in denied),
        audit_lines_for_denied=denied_lines,
        audit_bytes_per_denied_request=round(denied_bytes / max(sent_denied, 1), 2),
        fsyncs_during_flood_alone=alone[0],
        fsyncs_during_flood_with_authenticated=mixed[0],
        authenticated_200=len(ok),
        authenticated_sent=sum(with_auth.statuses.values()),
        authenticated_incomplete=len(lost),
    )
    assert all(a.errors == 0 for a in [*denied, with_auth])
    assert set().union(*(a.statuses for a in denied)) <= {401, 429}
    assert limited >= sent_denied - 2 * ANONYMOUS_PER_MINUTE, "the address budget held"
    assert denied_bytes / sent_denied < 20, "audit growth per denied request stays bounded"
    assert alone[0] <= 10, "a flood of refusals must not cost an fsync each"
    assert with_auth.statuses == {200: authenticated}, with_auth.statuses
    assert lost == [], f"{len(lost)} authenticated 200s lost audit events: {lost[:5]}"


@pytest.mark.reliability
def test_a_full_audit_disk_in_fsync_mode_never_answers_200_without_its_events(
    bounded: bool, run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting the small tmpfs that fills up needs root")
    disk = test_folder / "audit-disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        backend = Backend(
            test_folder,
            secret_registry,
            durability="fsync",
            extra_env={"TECHNO_AUDIT_PATH": str(disk / "audit.jsonl")},
        )
        key = backend.issue_key("operator")
        requests = pick(bounded, 1500, 5000)
        real = ({"X-API-KEY": key}, _body(secret_registry, "full"), requests, 4)
        with backend.running():
            (filling,) = send(backend.base_url + "/process", [real], seconds=90)
            ready_while_full = _status(backend.base_url + "/ready")
            subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
            ready_after = _status(backend.base_url + "/ready")
            (after,) = send(backend.base_url + "/process", [(real[0], real[1], 20, 1)], seconds=30)
        audit = parse_audit(disk / "audit.jsonl")
        answered_ok = [*filling.ok_ids, *after.ok_ids]
        lost = incomplete_traces(audit, answered_ok)
        gaps = [e for events in audit.events.values() for e in events if e["event"] == "AUDIT_GAP"]
        run_record.record(
            "audit_disk_full_fsync",
            "tests/reliability/test_flood_and_disk_full.py::test_a_full_audit_disk",
            tmpfs_bytes=256 * 1024,
            sent=sum(filling.statuses.values()),
            answered_200=filling.statuses[200],
            answered_503_audit_unavailable=filling.reasons["AUDIT_UNAVAILABLE"],
            answered_200_without_events_on_disk=len(lost),
            ready_while_full=ready_while_full,
            ready_after_space_returned=ready_after,
            answered_200_after_recovery=after.statuses[200],
            lost_events_recorded_by_audit_gap=sum(e["lost_events"] for e in gaps),
            bad_lines=len(audit.bad_lines),
        )
        assert filling.errors == 0 and set(filling.statuses) <= {200, 503}
        assert filling.reasons["AUDIT_UNAVAILABLE"] > 0, "the disk never filled: bigger load"
        assert lost == [], f"{len(lost)} requests answered 200 without their events: {lost[:5]}"
        assert ready_while_full == 503
        assert ready_after == 200, "readiness recovers without a restart"
        assert after.statuses == {200: 20}
        assert gaps, "the gap is on record"
    finally:
        # The evidence outlives the tmpfs (and the secret scan reads it too).
        if (disk / "audit.jsonl").is_file():
            shutil.copy(disk / "audit.jsonl", test_folder / "audit-disk-full.jsonl")
        subprocess.run(["umount", "-l", str(disk)], check=False)
