"""Secrets: no key, credential header or payload text in any output; keys hashed at rest."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from service.credentials.keys import split_api_key
from tests.reliability.reliability_backend import Backend
from tests.reliability.reliability_record import RunRecord, SecretRegistry
from tests.reliability.secret_scan import scan_files, scan_tree

FAKE_KEY = "key_0123456789abcdef." + "A" * 43


def test_scanner_reports_each_kind_of_leak(tmp_path: Path) -> None:
    registry = SecretRegistry()
    registered = registry.add_api_key("key_fedcba9876543210." + "b" * 43)
    marker = registry.marker("scan")
    clean = tmp_path / "clean.log"
    clean.write_text("GET /health 200\nkey_fedcba9876543210 revoked\n")
    leaky = tmp_path / "leaky.log"
    leaky.write_bytes(
        f"auth={registered.split('.')[1]}\nbody={marker}\nother={FAKE_KEY}\n".encode()
    )
    report = scan_files([clean, leaky], registry)
    kinds = sorted(leak.what.split(" ")[0] for leak in report.leaks)
    assert {leak.path for leak in report.leaks} == {leaky}
    assert kinds == ["an", "payload", "registered"]
    assert all(registered.split(".")[1] not in str(leak) for leak in report.leaks)


def test_scanner_finds_secrets_glued_to_other_token_bytes_and_short_needles(
    tmp_path: Path,
) -> None:
    # The scan indexes needles by their longest token run; one inside a longer run
    # (base64 around it, an underscore-joined name) must still be found, as must
    # needles too short to index and whole keys found through their secret part.
    registry = SecretRegistry()
    secret = "c" * 20 + "-" + "d" * 22
    key = registry.add_api_key(f"key_00112233445566aa.{secret}")
    registry.add_marker("tiny")
    glued = tmp_path / "glued.log"
    glued.write_text(f"blob=xyz_{secret}_tail\n")
    header = tmp_path / "header.log"
    header.write_text(f"Authorization: Bearer {key}\nsaid tiny\n")
    report = scan_files([glued, header], registry)
    found = sorted((leak.path.name, leak.offset) for leak in report.leaks)
    text = header.read_text()
    # In the header file: the whole key (also key-shaped text), its Bearer value,
    # its secret part and the short marker.
    assert found == sorted(
        [
            ("glued.log", glued.read_text().index(secret)),
            ("header.log", text.index(key)),
            ("header.log", text.index(key)),
            ("header.log", text.index(f"Bearer {key}")),
            ("header.log", text.index(secret)),
            ("header.log", text.index("tiny")),
        ]
    )
    assert all(secret not in str(leak) for leak in report.leaks)


def test_scanner_reports_session_tokens(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    token = "ses_0123456789abcdef." + "C" * 43
    log.write_text(f"ended ses_0123456789abcdef\nauthorization={token}\n")
    report = scan_files([log], SecretRegistry())
    assert [leak.what for leak in report.leaks] == [
        "a session token (ses_0123456789abcdef.<secret>)"
    ]
    assert report.leaks[0].offset == log.read_text().index(token)


def _post(
    backend: Backend, path: str, headers: dict[str, str], body: bytes | None, method: str = "POST"
) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        backend.base_url + path, data=body, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _traffic(backend: Backend, registry: SecretRegistry) -> dict[str, int]:
    """Send allowed and refused requests carrying keys and markers, through every path."""
    operator = backend.issue_key("operator")
    admin = backend.issue_key("admin")
    key_id, _ = split_api_key(operator) or ("", "")
    wrong = registry.add_api_key(f"{key_id}.{'Z' * 43}")
    basic = "Basic " + "c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3N3b3Jk"
    registry.secrets.add(basic)
    json_ct = {"Content-Type": "application/json"}

    def echo(marker: str) -> bytes:
        payload = {"action": "echo", "context_id": "default", "payload": {"message": marker}}
        return json.dumps(payload).encode()

    sends = {
        "x_api_key": ({"X-API-KEY": operator}, echo(registry.marker("ok"))),
        "bearer": ({"Authorization": f"Bearer {operator}"}, echo(registry.marker("bearer"))),
        "wrong_secret": ({"X-API-KEY": wrong}, echo(registry.marker("wrong"))),
        "basic_scheme": ({"Authorization": basic}, echo(registry.marker("basic"))),
        "invalid_json": (
            {"X-API-KEY": operator},
            b'{"payload": "' + registry.marker("json").encode() + b'"',
        ),
        "unsafe_string": ({"X-API-KEY": operator}, echo(registry.marker("unsafe") + "\x07")),
    }
    results = {
        name: _post(backend, "/process", {**json_ct, **headers}, body)[0]
        for name, (headers, body) in sends.items()
    }
    status, created = _post(
        backend, "/admin/keys", {**json_ct, "X-API-KEY": admin}, b'{"role": "viewer"}'
    )
    registry.add_api_key(json.loads(created)["api_key"])
    results["admin_create"] = status
    # A session token is a credential too: open one, use it, end it.
    status, opened = _post(backend, "/sessions", {**json_ct, "X-API-KEY": operator}, b"{}")
    results["session_open"] = status
    token = registry.add_api_key(json.loads(opened)["token"])
    bearer_token = {**json_ct, "Authorization": f"Bearer {token}"}
    used, _ = _post(backend, "/process", bearer_token, echo(registry.marker("session")))
    results["session_use"] = used
    results["session_end"] = _post(backend, "/sessions/current", bearer_token, None, "DELETE")[0]
    return results


@pytest.mark.reliability
def test_keys_at_rest_are_hashed(
    run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    backend = Backend(test_folder, secret_registry)
    created = backend.cli("keys", "create", "--role", "viewer", "--json")
    assert created.returncode == 0, created.stderr
    api_key = secret_registry.add_api_key(json.loads(created.stdout)["api_key"])
    key_id, secret = split_api_key(api_key) or ("", "")
    with sqlite3.connect(backend.db_path) as conn:
        row = conn.execute("SELECT * FROM api_keys WHERE key_id = ?", (key_id,)).fetchone()
    stored = [value for value in row if isinstance(value, bytes)]
    at_rest = b"".join(p.read_bytes() for p in backend.data_dir.iterdir() if p.is_file())
    run_record.record(
        "keys_hashed_at_rest",
        "tests/reliability/test_secret_exposure.py::test_keys_at_rest_are_hashed",
        columns=len(row),
        hash_bytes=len(stored[0]) if stored else 0,
        files_checked=sorted(p.name for p in backend.data_dir.iterdir()),
    )
    assert stored == [hashlib.sha256(secret.encode()).digest()]
    assert all(secret not in str(value) for value in row)
    assert secret.encode() not in at_rest and key_id.encode() in at_rest


@pytest.mark.reliability
@pytest.mark.scans_outputs
def test_no_secret_or_payload_reaches_any_output(
    run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    backend = Backend(test_folder, secret_registry, extra_env={"TECHNO_ACCESS_LOG": "1"})
    with backend.running():
        statuses = _traffic(backend, secret_registry)
    assert statuses == {
        "x_api_key": 200,
        "bearer": 200,
        "wrong_secret": 401,
        "basic_scheme": 401,
        "invalid_json": 400,
        "unsafe_string": 422,
        "admin_create": 201,
        "session_open": 201,
        "session_use": 200,
        "session_end": 204,
    }
    trace_lines = backend.audit_path.read_text().splitlines()
    shown = backend.cli("audit", json.loads(trace_lines[-1])["trace_id"])
    (test_folder / "audit-cli.txt").write_text(shown.stdout + shown.stderr, encoding="utf-8")

    report = scan_tree(run_record.root, secret_registry)
    run_record.record(
        "secrets_scan",
        "tests/reliability/test_secret_exposure.py::test_no_secret_or_payload_reaches_any_output",
        files_scanned=report.files,
        bytes_scanned=report.bytes,
        secrets_and_markers=report.needles,
        leaks=len(report.leaks),
    )
    assert "POST /process" in (test_folder / "backend-1.log").read_text(), "access log is off"
    assert report.leaks == [], "\n".join(str(leak) for leak in report.leaks[:20])
