"""`python -m service keys ...`: create prints the secret once, list never, revoke works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli.main import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("TECHNO_DB_PATH", "TECHNO_AUDIT_PATH", "TECHNO_MODE", "TECHNO_ACTION_MATRIX"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TECHNO_DATA_DIR", str(tmp_path))
    return tmp_path


def test_key_lifecycle_from_the_command_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--role", "operator", "--name", "ci", "--json"]) == 0
    out, err = capsys.readouterr()
    created = json.loads(out)
    secret = created["api_key"].split(".")[1]
    assert created["role"] == "operator" and created["state"] == "active"
    assert "shown only once" in err

    assert main(["keys", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    assert json.loads(listed)[0]["key_id"] == created["key_id"]
    assert secret not in listed

    assert main(["keys", "revoke", created["key_id"]]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out

    audit = (data_dir / "audit.jsonl").read_text()
    events = [json.loads(line) for line in audit.splitlines()]
    assert [(e["event"], e["actor"]) for e in events] == [
        ("KEY_CREATED", "cli"),
        ("KEY_REVOKED", "cli"),
    ]
    assert secret not in audit
    assert secret.encode() not in (data_dir / "techno.db").read_bytes()


def test_plain_create_prints_the_key_on_its_own_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--role", "viewer", "--expires-in-days", "7"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("key_") and "." in out[-1]
    assert "expires 20" in out[0]


def test_unknown_role_is_refused_naming_the_option(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--role", "root"]) == 2
    err = capsys.readouterr().err
    assert "--role" in err and "admin, operator, viewer" in err


def test_bad_expiry_is_refused(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "--role", "viewer", "--expires-in-days", "0"]) == 2
    assert "--expires-in-days" in capsys.readouterr().err


def test_revoke_errors(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "revoke", "nonsense"]) == 2
    assert "key_<16 hex digits>" in capsys.readouterr().err
    assert main(["keys", "revoke", "key_0123456789abcdef"]) == 1
    assert "no key key_0123456789abcdef" in capsys.readouterr().err


def test_bad_environment_exits_2_naming_the_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TECHNO_RATE_LIMIT_PER_MINUTE", "lots")
    assert main(["keys", "list"]) == 2
    assert capsys.readouterr().err.startswith("error: TECHNO_RATE_LIMIT_PER_MINUTE:")


def test_bad_matrix_exits_2_naming_the_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    matrix = data_dir / "matrix.yaml"
    matrix.write_text("contexts: []\n")
    monkeypatch.setenv("TECHNO_ACTION_MATRIX", str(matrix))
    assert main(["keys", "create", "--role", "viewer"]) == 2
    assert f"{matrix}: contexts:" in capsys.readouterr().err
