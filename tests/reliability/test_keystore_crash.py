"""Crash-safe storage: kill -9 during key creation and revocation never revives a revoked key."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.reliability.key_churn import ECHO, KeyLedger, churn_then_kill
from tests.reliability.reliability_backend import Backend, kill_hard
from tests.reliability.reliability_record import RunRecord, SecretRegistry, pick


def _integrity(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def _states(backend: Backend) -> dict[str, str]:
    listing = backend.cli("keys", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    return {row["key_id"]: row["state"] for row in json.loads(listing.stdout)}


def _status(backend: Backend, api_key: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        backend.base_url + "/process",
        data=ECHO.encode(),
        headers={"X-API-KEY": api_key, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _check_after_restart(backend: Backend, ledger: KeyLedger) -> dict[str, int]:
    """Restart, then every key must be answered as its stored state says; return counts."""
    assert _integrity(backend.db_path) == "ok"
    states = _states(backend)
    lost = sorted(set(ledger.created) - set(states))
    assert lost == [], f"keys the API or CLI confirmed are gone after the crash: {lost}"
    revived = sorted(k for k in ledger.revoked if states[k] != "revoked")
    assert revived == [], f"confirmed revocations undone by the crash: {revived}"
    with backend.running():
        answers = {key_id: _status(backend, ledger.created[key_id]) for key_id in ledger.created}
    wrong = {
        key_id: (states[key_id], status)
        for key_id, status in answers.items()
        if status != (401 if states[key_id] == "revoked" else 200)
    }
    assert wrong == {}, f"keys answered against their stored state: {wrong}"
    return {
        "keys_created": len(ledger.created),
        "revocations_confirmed": len(ledger.revoked),
        "revoked_refused_after_restart": sum(1 for k in ledger.revoked if answers[k] == 401),
    }


@pytest.mark.reliability
def test_kill_9_during_admin_api_key_churn_keeps_the_store_consistent(
    bounded: bool, run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    backend = Backend(test_folder, secret_registry)
    admin = backend.issue_key("admin")
    ledger = KeyLedger()
    cycles = pick(bounded, 4, 12)
    for _ in range(cycles):
        with backend.running() as server:
            churn_then_kill(
                backend.base_url,
                admin,
                ledger,
                secret_registry,
                pid=server.pid,
                kill_after_s=random.uniform(0.3, 1.2),
            )
    assert ledger.accepted_after_revoke == [], "a revoked key was accepted before any crash"
    figures = _check_after_restart(backend, ledger)
    run_record.record(
        "crash_safe_keys_api",
        "tests/reliability/test_keystore_crash.py::test_kill_9_during_admin_api_key_churn",
        kill_cycles=cycles,
        **figures,
    )
    assert figures["revocations_confirmed"] >= cycles


def _cli_key(backend: Backend, registry: SecretRegistry, ledger: KeyLedger) -> float:
    """Create a key with the CLI, uninterrupted; return how long the command took."""
    started = time.monotonic()
    done = backend.cli("keys", "create", "--role", "viewer", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    ledger.created[answer["key_id"]] = registry.add_api_key(answer["api_key"])
    return time.monotonic() - started


@pytest.mark.reliability
def test_kill_9_of_the_keys_cli_mid_write_keeps_the_store_consistent(
    bounded: bool, run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    backend = Backend(test_folder, secret_registry)
    ledger = KeyLedger()
    # Revocations confirmed before the crashes must survive all of them.
    command_s = max(_cli_key(backend, secret_registry, ledger) for _ in range(2))
    early = next(iter(ledger.created))
    assert backend.cli("keys", "revoke", early).returncode == 0
    ledger.revoked.add(early)
    killed = 0
    for _ in range(pick(bounded, 6, 24)):
        for action in ("create", "revoke"):
            argv = ["keys", "create", "--role", "viewer", "--json"]
            if action == "revoke":
                argv = ["keys", "revoke", random.choice(sorted(ledger.created))]
            process = subprocess.Popen(
                [sys.executable, "-m", "service", *argv],
                env=backend.env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            # Spread the kills over the whole command: imports, the SQLite transaction,
            # the audit append and the exit (a few runs finish first and are confirmed).
            time.sleep(random.uniform(0.4, 1.4) * command_s)
            if process.poll() is None:
                kill_hard(process.pid)
                killed += 1
            out, _ = process.communicate()
            if process.returncode != 0:
                continue
            if action == "create":
                answer = json.loads(out)
                ledger.created[answer["key_id"]] = secret_registry.add_api_key(answer["api_key"])
            else:
                ledger.revoked.add(argv[2])
    figures = _check_after_restart(backend, ledger)
    run_record.record(
        "crash_safe_keys_cli",
        "tests/reliability/test_keystore_crash.py::test_kill_9_of_the_keys_cli_mid_write",
        cli_runs_killed=killed,
        cli_command_s=round(command_s, 2),
        **figures,
    )
    assert killed > 0, "no keys command was killed: the kill window missed them all"
