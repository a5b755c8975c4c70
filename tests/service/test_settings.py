"""Settings: built once from the environment, validated, production refuses unsafe ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings, SettingsError


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings.mode == "dev"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.resolved_db_path == Path("var/techno.db")
    assert settings.resolved_audit_path == Path("var/audit.jsonl")
    assert settings.rate_limit_per_minute == 100
    assert settings.max_body_bytes == 65536
    assert settings.executor_timeout_seconds == 5.0
    assert settings.session_ttl_seconds == 28800
    assert not settings.tls_enabled


def test_environment_is_parsed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "TECHNO_MODE": "staging",
            "TECHNO_PORT": "9000",
            "TECHNO_DATA_DIR": str(tmp_path),
            "TECHNO_AUDIT_PATH": str(tmp_path / "a.jsonl"),
            "TECHNO_AUDIT_DURABILITY": "buffered",
            "TECHNO_RATE_LIMIT_PER_MINUTE": "7",
            "TECHNO_EXECUTOR_TIMEOUT_SECONDS": "0.5",
            "TECHNO_DEBUG": "1",
        }
    )
    assert settings.mode == "staging" and settings.port == 9000 and settings.debug
    assert settings.resolved_db_path == tmp_path / "techno.db"
    assert settings.resolved_audit_path == tmp_path / "a.jsonl"
    assert settings.audit_durability == "buffered"
    assert settings.rate_limit_per_minute == 7
    assert settings.executor_timeout_seconds == 0.5


@pytest.mark.parametrize(
    ("env", "var"),
    [
        ({"TECHNO_MODE": "prod"}, "TECHNO_MODE"),
        ({"TECHNO_PORT": "http"}, "TECHNO_PORT"),
        ({"TECHNO_PORT": "70000"}, "TECHNO_PORT"),
        ({"TECHNO_RATE_LIMIT_PER_MINUTE": "0"}, "TECHNO_RATE_LIMIT_PER_MINUTE"),
        ({"TECHNO_MAX_BODY_BYTES": "10"}, "TECHNO_MAX_BODY_BYTES"),
        ({"TECHNO_EXECUTOR_TIMEOUT_SECONDS": "-1"}, "TECHNO_EXECUTOR_TIMEOUT_SECONDS"),
        ({"TECHNO_AUDIT_DURABILITY": "sometimes"}, "TECHNO_AUDIT_DURABILITY"),
        ({"TECHNO_DEBUG": "maybe"}, "TECHNO_DEBUG"),
        ({"TECHNO_ACTION_MATRIX": "/nope.yaml"}, "TECHNO_ACTION_MATRIX"),
        ({"TECHNO_LLM_URL": "ftp://x"}, "TECHNO_LLM_URL"),
        ({"TECHNO_LLM_MAX_RETRIES": "99"}, "TECHNO_LLM_MAX_RETRIES"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], var: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.env_var == var
    assert str(caught.value).startswith(f"{var}: ")


def test_tls_needs_both_files_and_they_must_exist(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(SettingsError, match="TECHNO_TLS_KEY"):
        Settings.from_env({"TECHNO_TLS_CERT": str(cert)})
    with pytest.raises(SettingsError, match="TECHNO_TLS_KEY: file not found"):
        Settings.from_env({"TECHNO_TLS_CERT": str(cert), "TECHNO_TLS_KEY": str(tmp_path / "k")})


def test_production_refuses_implicit_data_location() -> None:
    with pytest.raises(SettingsError, match="TECHNO_DB_PATH"):
        Settings.from_env({"TECHNO_MODE": "production"})


def test_production_refuses_debug(tmp_path: Path) -> None:
    env = {"TECHNO_MODE": "production", "TECHNO_DATA_DIR": str(tmp_path), "TECHNO_DEBUG": "1"}
    with pytest.raises(SettingsError, match="TECHNO_DEBUG"):
        Settings.from_env(env)


def test_production_refuses_sending_the_llm_key_in_clear(tmp_path: Path) -> None:
    env = {
        "TECHNO_MODE": "production",
        "TECHNO_DATA_DIR": str(tmp_path),
        "TECHNO_LLM_URL": "http://llm.example.com",
        "TECHNO_EXECUTOR_TIMEOUT_SECONDS": "10",
    }
    with pytest.raises(SettingsError, match="TECHNO_LLM_URL"):
        Settings.from_env(env)
    loopback = Settings.from_env({**env, "TECHNO_LLM_URL": "http://127.0.0.1:8000"})
    assert loopback.mode == "production"


def test_production_accepts_explicit_safe_settings(tmp_path: Path) -> None:
    settings = Settings.from_env({"TECHNO_MODE": "production", "TECHNO_DATA_DIR": str(tmp_path)})
    assert settings.mode == "production" and not settings.debug


def test_overrides_are_validated_too() -> None:
    with pytest.raises(SettingsError, match="TECHNO_PORT"):
        Settings.from_env({}, port=-1)
    with pytest.raises(SettingsError, match="TECHNO_PORT"):
        Settings.from_env({}).with_overrides(port=-1)


def test_llm_api_key_is_kept_out_of_repr() -> None:
    settings = Settings.from_env({"TECHNO_LLM_API_KEY": "sk-very-secret"})
    assert "sk-very-secret" not in repr(settings)


def test_trusted_proxies_are_addresses_or_cidrs() -> None:
    settings = Settings.from_env({"TECHNO_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.1")
    with pytest.raises(SettingsError, match="TECHNO_TRUSTED_PROXIES: not an IP address or CIDR"):
        Settings.from_env({"TECHNO_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"})
    with pytest.raises(SettingsError, match="TECHNO_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE"):
        Settings.from_env({"TECHNO_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE": "0"})
