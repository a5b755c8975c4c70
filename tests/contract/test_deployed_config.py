"""STACK.yaml: every mistake named by file and field, secrets only from files, never in evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from contract.cli import parse_args
from contract.deployed.config import DeployedStack, StackFileError, load_stack
from contract.deployed.http import BudgetExhausted, DeployedSession, WriteRefused
from contract.deployed.runner import _described, refuse_drill
from contract.evidence import Evidence
from contract.redact import Redactor

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "contract" / "deployed" / "example-stack.yaml"
TOKEN = "tok-3f9a1c7e5b2d4f6a8c0e"
PASSWORD = "pw-9d8c7b6a5f4e3d2c1b0a"
MINIMAL = """
backend: http://127.0.0.1:8080
prometheus: http://127.0.0.1:9090
alertmanager: http://127.0.0.1:9093
"""


def stack_file(folder: Path, text: str) -> Path:
    (folder / "secrets").mkdir(exist_ok=True)
    (folder / "secrets" / "token").write_text(TOKEN + "\n", encoding="utf-8")
    (folder / "secrets" / "password").write_text(PASSWORD, encoding="utf-8")
    for secret in (folder / "secrets").iterdir():
        secret.chmod(0o600)
    (folder / "ca.pem").write_text("not really a CA\n", encoding="utf-8")
    path = folder / "STACK.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(folder: Path, text: str) -> StackFileError:
    with pytest.raises(StackFileError) as caught:
        load_stack(stack_file(folder, text))
    return caught.value


def test_the_committed_example_parses_with_its_secret_files(tmp_path: Path) -> None:
    # The example names files beside it; give them a home and load a copy.
    for name in ("secrets/backend.token", "secrets/prometheus.password", "secrets/grafana.token"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(TOKEN, encoding="utf-8")
        (tmp_path / name).chmod(0o600)
    for name in ("staging-ca.pem", "contract-client.pem", "contract-client.key"):
        (tmp_path / "tls").mkdir(exist_ok=True)
        (tmp_path / "tls" / name).write_text("pem", encoding="utf-8")
    copy = tmp_path / "STACK.yaml"
    copy.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    stack = load_stack(copy)
    assert stack.production is True
    assert [b.instance for b in stack.backends] == [
        "backend-1.staging.example.com:8080",
        "backend-2.staging.example.com:8080",
    ]
    assert [a.name for a in stack.alertmanagers] == ["alertmanager[0]", "alertmanager[1]"]
    assert stack.prometheus.tls.cert_file == tmp_path / "tls" / "contract-client.pem"
    assert stack.prometheus.credentials.username == "contract"
    assert stack.grafana is not None and stack.grafana.timeout_seconds == 20
    assert stack.max_requests == 2000


def test_a_minimal_stack_takes_plain_urls_and_defaults(tmp_path: Path) -> None:
    stack = load_stack(stack_file(tmp_path, MINIMAL))
    assert (stack.production, stack.max_requests, stack.grafana) == (False, 2000, None)
    assert stack.prometheus.url == "http://127.0.0.1:9090"
    assert stack.prometheus.timeout_seconds == 10.0


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("backend: [", "(file)", "not valid YAML"),
        ("- a list\n", "(top level)", "must be a mapping"),
        ("prometheus: http://p:9090\nalertmanager: http://a:9093\n", "backend", "is required"),
        (MINIMAL + "grafan: http://g:3000\n", "(top level).grafan", "unknown field"),
        (MINIMAL + "production: yes please\n", "production", "must be true or false"),
        (MINIMAL + "budget: {max_requests: 0}\n", "budget.max_requests", "positive number"),
        (MINIMAL + "grafana: ftp://g\n", "grafana.url", "not an http(s) URL"),
        (MINIMAL + "grafana: https://admin:pw@g\n", "grafana.url", "must not carry credentials"),
        (MINIMAL + "grafana: {url: 'https://g', tls: {ca_file: nope.pem}}\n",
         "grafana.tls.ca_file", "is not a readable file"),
        (MINIMAL + "grafana: {url: 'http://g', tls: {ca_file: ca.pem}}\n",
         "grafana.tls", "plain http"),
        (MINIMAL + "grafana: {url: 'https://g', tls: {cert_file: ca.pem}}\n",
         "grafana.tls.cert_file", "needs both cert_file and key_file"),
        (MINIMAL + "grafana: {url: 'https://g', auth: {username: u}}\n",
         "grafana.auth.password_file", "needs username and password_file"),
        (MINIMAL + "grafana: {url: 'https://g', timeout_seconds: -1}\n",
         "grafana.timeout_seconds", "positive number"),
    ],
)  # fmt: skip
def test_a_bad_stack_file_is_refused_naming_file_and_field(
    tmp_path: Path, text: str, field: str, problem: str
) -> None:
    error = refused(tmp_path, text)
    assert error.field == field
    assert problem in str(error)
    assert str(tmp_path / "STACK.yaml") in str(error)


def test_a_missing_stack_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StackFileError, match=r"STACK\.yaml: \(file\): cannot read"):
        load_stack(tmp_path / "STACK.yaml")


@pytest.mark.parametrize("key", ["token", "password", "bearer_token"])
def test_a_secret_written_in_the_stack_file_is_refused_and_not_quoted(
    tmp_path: Path, key: str
) -> None:
    error = refused(
        tmp_path, MINIMAL + f"grafana: {{url: 'https://g', auth: {{{key}: {TOKEN}}}}}\n"
    )
    assert error.field == f"grafana.auth.{key}"
    assert "read only from files" in str(error)
    assert TOKEN not in str(error)


def test_a_secret_file_is_read_trimmed_and_never_quoted_when_too_short(tmp_path: Path) -> None:
    stack = load_stack(
        stack_file(
            tmp_path,
            MINIMAL + "grafana: {url: 'https://g', auth: {bearer_token_file: secrets/token}}\n",
        )
    )
    assert stack.grafana is not None and stack.grafana.credentials.bearer_token == TOKEN
    assert TOKEN not in repr(stack) and TOKEN not in repr(stack.grafana.credentials)
    (tmp_path / "secrets" / "short").write_text("abc", encoding="utf-8")
    (tmp_path / "secrets" / "short").chmod(0o600)
    text = MINIMAL + "grafana: {url: 'https://g', auth: {bearer_token_file: secrets/short}}\n"
    path = tmp_path / "STACK.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StackFileError) as caught:
        load_stack(path)
    assert caught.value.field == "grafana.auth.bearer_token_file"
    assert "abc" not in str(caught.value).replace(str(tmp_path), "")


def with_secrets(folder: Path, *, production: bool = False) -> DeployedStack:
    text = f"""
production: {str(production).lower()}
budget: {{max_requests: 3}}
backend: {{url: 'http://127.0.0.1:19', auth: {{bearer_token_file: secrets/token}}}}
prometheus: {{url: 'http://127.0.0.1:9', auth: {{username: u, password_file: secrets/password}}}}
alertmanager: http://127.0.0.1:29
"""
    return load_stack(stack_file(folder, text))


def test_allow_drill_is_refused_against_production_only(tmp_path: Path) -> None:
    production = with_secrets(tmp_path, production=True)
    reason = refuse_drill(production, allow_drill=True)
    assert reason is not None and "production: true" in reason and str(production.path) in reason
    assert refuse_drill(production, allow_drill=False) is None
    (tmp_path / "staging").mkdir()
    assert refuse_drill(with_secrets(tmp_path / "staging"), allow_drill=True) is None


def test_the_described_stack_holds_urls_and_kinds_never_secrets(tmp_path: Path) -> None:
    text = json.dumps(_described(with_secrets(tmp_path)))
    assert TOKEN not in text and PASSWORD not in text
    assert "bearer, redacted" in text and "basic, redacted" in text


def test_the_session_is_read_only_bounded_and_redacts_its_secrets(tmp_path: Path) -> None:
    stack = with_secrets(tmp_path)
    evidence = Evidence(tmp_path / "evidence", Redactor())
    session = DeployedSession(stack, evidence)
    assert evidence.redact(f"Bearer {TOKEN} and {PASSWORD}").count("<redacted>") == 2
    with pytest.raises(WriteRefused, match="read-only"):
        session.post("http://127.0.0.1:9/-/reload")
    with pytest.raises(requests.RequestException, match="not under any endpoint"):
        session.get("http://example.invalid/x")
    # Port 9 (discard) refuses: each failure names the endpoint and spends the budget.
    for _ in range(3):
        with pytest.raises(requests.RequestException, match=r"prometheus \(GET .*cannot connect"):
            session.get("http://127.0.0.1:9/api/v1/query?query=up")
    with pytest.raises(BudgetExhausted, match=r"budget of 3 \(budget\.max_requests"):
        session.get("http://127.0.0.1:9/-/ready")
    assert session.used == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--allow-drill"], "--allow-drill only applies with --deployed"),
        (["--watch-seconds", "5"], "--watch-seconds only applies with --deployed"),
        (["--deployed", "S.yaml", "--faults"], "starts no stack"),
        (["--deployed", "S.yaml", "--skip", "alerts"], "--skip alerts is not a part of this run"),
        (["--skip", "watchdog"], "--skip watchdog is not a part of this run"),
    ],
)
def test_the_command_line_refuses_what_does_not_apply(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert message in capsys.readouterr().err


def test_deployed_options_come_from_the_command_line() -> None:
    options = parse_args(["--deployed", "S.yaml", "--allow-drill", "--skip", "watchdog"])
    assert (options.deployed, options.allow_drill, options.skip) == (
        Path("S.yaml"),
        True,
        ("watchdog",),
    )
