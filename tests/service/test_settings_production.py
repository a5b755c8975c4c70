"""Production refuses what is fine to try out but unsafe to run; secrets come from files."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.cli.serve import startup_line
from service.redact import redact_url
from service.settings import Settings, SettingsError

PASSWORD = "hunter2-not-for-logs"


def production(tmp_path: Path, **env: str) -> dict[str, str]:
    return {"TECHNO_MODE": "production", "TECHNO_DATA_DIR": str(tmp_path), **env}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"redis://h:6379/0?password={PASSWORD}", "redis://h:6379/0?password=***"),
        (
            f"https://llm.example/v1?api_key={PASSWORD}&x=1",
            "https://llm.example/v1?api_key=***&x=1",
        ),
        (
            f"https://u:{PASSWORD}@llm.example/?token={PASSWORD}",
            "https://u:***@llm.example/?token=***",
        ),
    ],
)
def test_query_passwords_are_redacted_too(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("var", "url"),
    [
        ("TECHNO_RATE_LIMIT_REDIS_URL", f"rediss://:{PASSWORD}@redis.internal:6379/0"),
        ("TECHNO_RATE_LIMIT_REDIS_URL", f"rediss://redis.internal:6379/0?password={PASSWORD}"),
        ("TECHNO_LLM_URL", f"https://llm.example/v1?api_key={PASSWORD}"),
    ],
)
def test_production_takes_a_url_with_a_password_only_from_a_file(
    tmp_path: Path, var: str, url: str
) -> None:
    with pytest.raises(SettingsError, match=f"{var}: production takes a .* only from {var}_FILE"):
        Settings.from_env(production(tmp_path, **{var: url}))
    secret = tmp_path / "url"
    secret.write_text(url + "\n")
    env = production(
        tmp_path, **{f"{var}_FILE": str(secret), "TECHNO_EXECUTOR_TIMEOUT_SECONDS": "10"}
    )
    settings = Settings.from_env(env)
    assert PASSWORD not in repr(settings) and PASSWORD not in startup_line(settings, "asyncio")
    # Staging stays permissive: the contract passes URLs in the environment.
    assert Settings.from_env({**env, "TECHNO_MODE": "staging"}).mode == "staging"


def test_a_setting_and_its_file_twin_are_exclusive(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("sk-from-file\n")
    var = "TECHNO_LLM_API_KEY"
    assert Settings.from_env({f"{var}_FILE": str(secret)}).llm_api_key == "sk-from-file"
    with pytest.raises(SettingsError, match=f"{var}: set {var} or {var}_FILE, not both"):
        Settings.from_env({var: "x", f"{var}_FILE": str(secret)})
    with pytest.raises(SettingsError, match=f"{var}_FILE: cannot read"):
        Settings.from_env({f"{var}_FILE": str(tmp_path / "absent")})


def test_production_refuses_an_implicit_relative_audit_path(tmp_path: Path) -> None:
    env = {"TECHNO_MODE": "production", "TECHNO_DB_PATH": str(tmp_path / "k.db")}
    with pytest.raises(SettingsError, match="TECHNO_AUDIT_PATH: production needs an absolute"):
        Settings.from_env(env)
    chosen = Settings.from_env({**env, "TECHNO_AUDIT_PATH": str(tmp_path / "audit.jsonl")})
    assert chosen.resolved_audit_path.is_absolute()
    with pytest.raises(SettingsError, match="TECHNO_AUDIT_PATH"):
        Settings.from_env({"TECHNO_MODE": "production", "TECHNO_DATA_DIR": "var"})


def test_production_binds_beyond_loopback_only_with_tls(tmp_path: Path) -> None:
    env = production(tmp_path, TECHNO_HOST="0.0.0.0")  # noqa: S104 - the case under test
    with pytest.raises(SettingsError, match=r"TECHNO_HOST: production serves 0\.0\.0\.0"):
        Settings.from_env(env)
    at_proxy = Settings.from_env({**env, "TECHNO_TLS_TERMINATED_AT_PROXY": "1"})
    assert at_proxy.tls_terminated_at_proxy
    assert Settings.from_env({**env, "TECHNO_MODE": "staging"}).host == "0.0.0.0"  # noqa: S104


def test_production_refuses_an_executor_timeout_shorter_than_one_upstream_attempt(
    tmp_path: Path,
) -> None:
    env = production(
        tmp_path,
        TECHNO_LLM_URL="https://llm.example",
        TECHNO_LLM_TIMEOUT_SECONDS="10",
        TECHNO_EXECUTOR_TIMEOUT_SECONDS="5",
    )
    with pytest.raises(SettingsError, match="TECHNO_EXECUTOR_TIMEOUT_SECONDS: 5 s is shorter"):
        Settings.from_env(env)
    ok = Settings.from_env({**env, "TECHNO_EXECUTOR_TIMEOUT_SECONDS": "10"})
    assert ok.executor_timeout_seconds == 10
