"""STACK.yaml as a careless SRE writes it: each mistake named by file and field, no secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.deployed.config import StackFileError, load_stack

SECRET = "s3cr3t-7b1e9d4c2a"
PLAIN = "backend: http://127.0.0.1:8080\nprometheus: http://127.0.0.1:9090\n"


def write(folder: Path, text: str, *, secret: str = SECRET, mode: int = 0o600) -> Path:
    (folder / "secrets").mkdir(exist_ok=True)
    token = folder / "secrets" / "token"
    token.write_text(secret + "\n", encoding="utf-8")
    token.chmod(mode)
    path = folder / "STACK.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(StackFileError) as caught:
        load_stack(path)
    message = str(caught.value)
    assert str(path) in message
    assert SECRET not in message
    return message


def test_a_yaml_error_does_not_quote_the_line_holding_a_secret(tmp_path: Path) -> None:
    text = PLAIN + f'alertmanager: {{url: http://a:1, auth: {{password: "{SECRET}}}}}\n'
    message = refused(write(tmp_path, text))
    assert "(file): not valid YAML at line " in message


def test_a_world_readable_secret_file_is_refused(tmp_path: Path) -> None:
    text = PLAIN + "alertmanager: {url: http://a:1, auth: {bearer_token_file: secrets/token}}\n"
    message = refused(write(tmp_path, text, mode=0o644))
    assert "alertmanager.auth.bearer_token_file" in message and "chmod 600" in message


def test_a_secret_with_a_line_break_inside_is_refused(tmp_path: Path) -> None:
    text = PLAIN + "alertmanager: {url: http://a:1, auth: {bearer_token_file: secrets/token}}\n"
    message = refused(write(tmp_path, text, secret=f"{SECRET}\nX-Injected: 1"))
    assert "alertmanager.auth.bearer_token_file" in message and "whitespace" in message


@pytest.mark.parametrize(
    ("alertmanager", "field", "problem"),
    [
        ("[http://a:1, 'http://a:1/']", "alertmanager[1].url", "also the URL of alertmanager[0]"),
        ("http://127.0.0.1:9090", "alertmanager.url", "also the URL of prometheus"),
        ("'http://[::1'", "alertmanager.url", "not a valid URL"),
        ("'http://a:99999'", "alertmanager.url", "not a valid URL"),
    ],
)
def test_a_duplicate_or_broken_url_is_refused(
    tmp_path: Path, alertmanager: str, field: str, problem: str
) -> None:
    message = refused(write(tmp_path, PLAIN + f"alertmanager: {alertmanager}\n"))
    assert f"{field}: " in message and problem in message


def test_a_fractional_request_budget_is_refused(tmp_path: Path) -> None:
    text = PLAIN + "alertmanager: http://a:1\nbudget: {max_requests: 0.5}\n"
    assert "budget.max_requests: must be a whole number" in refused(write(tmp_path, text))


def test_credentials_over_plain_http_to_another_host_are_refused(tmp_path: Path) -> None:
    text = (
        PLAIN
        + "alertmanager: {url: http://am.example:9093, auth: {bearer_token_file: secrets/token}}\n"
    )
    message = refused(write(tmp_path, text))
    assert "alertmanager.auth: " in message and "use https" in message
    local = (
        PLAIN
        + "alertmanager: {url: 'http://[::1]:9093', auth: {bearer_token_file: secrets/token}}\n"
    )
    assert load_stack(write(tmp_path, local)).alertmanagers[0].credentials.bearer_token == SECRET


def test_an_instance_on_a_non_backend_endpoint_is_refused(tmp_path: Path) -> None:
    text = PLAIN + "alertmanager: {url: http://a:1, instance: 'a:1'}\n"
    assert "alertmanager.instance: applies only to a backend" in refused(write(tmp_path, text))
