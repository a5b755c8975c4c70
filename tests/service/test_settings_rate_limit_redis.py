"""TECHNO_RATE_LIMIT_REDIS_URL: validated, and its password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.cli.serve import startup_line
from service.redact import redact_url
from service.settings import Settings, SettingsError

VAR = "TECHNO_RATE_LIMIT_REDIS_URL"
PASSWORD = "hunter2-canary"


def test_unset_keeps_the_in_process_bucket() -> None:
    settings = Settings.from_env({})
    assert settings.rate_limit_redis_url is None
    assert "rate limit in-process" in startup_line(settings, "asyncio")


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://user:pw@redis.internal:6380", "redis://r"]
)
def test_redis_and_rediss_urls_are_accepted(url: str) -> None:
    assert Settings.from_env({VAR: url}).rate_limit_redis_url == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"http://:{PASSWORD}@127.0.0.1:6379/0", "must be a redis:// or rediss:// URL"),
        ("redis:///0", "must be a redis:// or rediss:// URL with a host"),
        (f"redis://:{PASSWORD}@127.0.0.1:port/0", "has an invalid port"),
        (f"redis://:{PASSWORD}@127.0.0.1:6379/cache", "the path must be a database number"),
    ],
)
def test_a_bad_url_names_the_variable_and_hides_the_password(url: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({VAR: url})
    assert caught.value.env_var == VAR
    assert str(caught.value).startswith(f"{VAR}: {problem}")
    assert PASSWORD not in str(caught.value)


def test_the_password_is_kept_out_of_repr_and_the_startup_line() -> None:
    settings = Settings.from_env({VAR: f"redis://ops:{PASSWORD}@10.0.0.5:6379/2"})
    line = startup_line(settings, "asyncio")
    assert "rate limit shared in redis://ops:***@10.0.0.5:6379/2" in line
    assert PASSWORD not in line
    assert PASSWORD not in repr(settings)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        (f"redis://:{PASSWORD}@h:1/0", "redis://***@h:1/0"),
        (f"rediss://ops:{PASSWORD}@h/0", "rediss://ops:***@h/0"),
        # A bare user info may be a password typed without its colon: hide it all.
        (f"redis://{PASSWORD}@h", "redis://***@h"),
    ],
)
def test_redact_url_hides_every_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_production_sends_the_redis_password_only_over_tls_or_loopback(tmp_path: Path) -> None:
    env = {"TECHNO_MODE": "production", "TECHNO_DATA_DIR": str(tmp_path)}
    secret = tmp_path / "redis-url"
    secret.write_text(f"redis://:{PASSWORD}@redis.internal:6379/0\n")
    with pytest.raises(SettingsError, match=f"{VAR}: production sends the Redis password"):
        Settings.from_env({**env, f"{VAR}_FILE": str(secret)})
    for safe in (
        f"rediss://:{PASSWORD}@redis.internal:6379/0",
        f"redis://:{PASSWORD}@127.0.0.1:6379/0",
    ):
        secret.write_text(safe)
        assert Settings.from_env({**env, f"{VAR}_FILE": str(secret)}).mode == "production"
    assert Settings.from_env({**env, VAR: "redis://redis.internal:6379/0"}).mode == "production"
