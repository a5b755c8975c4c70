"""What production mode refuses: settings that are safe to try out but unsafe to run."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlsplit

from service.redact import url_has_password
from service.settings import Settings, SettingsError

# Settings that may carry a credential in their URL, and the name of each.
_URL_SETTINGS = {"rate_limit_redis_url": "Redis", "llm_url": "LLM"}


def _check(condition: bool, field_name: str, problem: str) -> None:
    if not condition:
        raise SettingsError(Settings.env_var(field_name), problem)


def is_loopback(host: str) -> bool:
    """Return True for `localhost` and loopback addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_production(s: Settings) -> None:
    """Raise SettingsError, naming the variable, for the first setting production refuses."""
    _check(not s.debug, "debug", "debug must be off in production")
    data_chosen = {"data_dir", "db_path"} & s.explicit
    _check(
        bool(data_chosen),
        "db_path",
        "production needs an explicit TECHNO_DB_PATH or TECHNO_DATA_DIR (no implicit ./var)",
    )
    _check(
        "audit_path" in s.explicit or s.resolved_audit_path.is_absolute(),
        "audit_path",
        f"production needs an absolute audit log path, not {s.resolved_audit_path} relative "
        "to wherever the service starts: set TECHNO_AUDIT_PATH or an absolute TECHNO_DATA_DIR",
    )
    _check(
        s.tls_enabled or s.tls_terminated_at_proxy or is_loopback(s.host),
        "host",
        f"production serves {s.host} (not loopback) only with TLS: set TECHNO_TLS_CERT and "
        "TECHNO_TLS_KEY, or TECHNO_TLS_TERMINATED_AT_PROXY=1 when a proxy in front ends TLS",
    )
    for name, what in _URL_SETTINGS.items():
        url: str | None = getattr(s, name)
        var = Settings.env_var(name)
        _check(
            url is None or name in s.from_files or not url_has_password(url),
            name,
            f"production takes a {what} URL carrying a password only from {var}_FILE, "
            "never in plain text in the environment",
        )
    if s.llm_url is not None:
        parts = urlsplit(s.llm_url)
        _check(
            parts.scheme == "https" or is_loopback(parts.hostname or ""),
            "llm_url",
            "production sends the LLM API key only over https (or to loopback)",
        )
        _check(
            s.executor_timeout_seconds >= s.llm_timeout_seconds,
            "executor_timeout_seconds",
            f"{s.executor_timeout_seconds:g} s is shorter than one upstream attempt "
            f"(TECHNO_LLM_TIMEOUT_SECONDS={s.llm_timeout_seconds:g}): every retry would be "
            "cut off",
        )
    if s.rate_limit_redis_url is not None:
        parts = urlsplit(s.rate_limit_redis_url)
        private = parts.scheme == "rediss" or is_loopback(parts.hostname or "")
        _check(
            parts.password is None or private,
            "rate_limit_redis_url",
            "production sends the Redis password only over rediss:// (or to loopback)",
        )
    if s.database_url is not None:
        parts = urlsplit(s.database_url)
        sslmode = dict(parse_qsl(parts.query)).get("sslmode", "prefer")
        _check(
            sslmode in ("require", "verify-ca", "verify-full") or is_loopback(parts.hostname or ""),
            "database_url",
            "production talks to a non-loopback database only over TLS: add "
            "?sslmode=verify-full (or require) to TECHNO_DATABASE_URL",
        )
