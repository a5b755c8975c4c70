"""One frozen Settings object, built once from the environment and validated on construction."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, parse_qsl, urlsplit

from obs.catalog import DEFAULT_CATALOG_PATH
from service.redact import SECRET_QUERY_NAMES, redact_url

Mode = Literal["dev", "staging", "production"]
Durability = Literal["buffered", "fsync"]
EventLoop = Literal["auto", "asyncio", "uvloop"]
AuditSink = Literal["file", "postgresql"]
MODES: tuple[Mode, ...] = ("dev", "staging", "production")
DURABILITIES: tuple[Durability, ...] = ("buffered", "fsync")
EVENT_LOOPS: tuple[EventLoop, ...] = ("auto", "asyncio", "uvloop")
AUDIT_SINKS: tuple[AuditSink, ...] = ("file", "postgresql")
DEFAULT_ACTION_MATRIX = Path(__file__).resolve().parent / "pipeline" / "action_matrix.yaml"
DB_FILE_NAME = "techno.db"
AUDIT_FILE_NAME = "audit.jsonl"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class SettingsError(ValueError):
    """A setting is invalid; the message names the environment variable."""

    def __init__(self, env_var: str, problem: str) -> None:
        self.env_var = env_var
        self.problem = problem
        super().__init__(f"{env_var}: {problem}")


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment, validated once."""

    mode: Mode = field(default="dev", metadata={"env": "TECHNO_MODE"})
    host: str = field(default="127.0.0.1", metadata={"env": "TECHNO_HOST"})
    port: int = field(default=8080, metadata={"env": "TECHNO_PORT"})
    data_dir: Path = field(default=Path("var"), metadata={"env": "TECHNO_DATA_DIR"})
    db_path: Path | None = field(default=None, metadata={"env": "TECHNO_DB_PATH"})
    audit_path: Path | None = field(default=None, metadata={"env": "TECHNO_AUDIT_PATH"})
    audit_durability: Durability = field(
        default="fsync", metadata={"env": "TECHNO_AUDIT_DURABILITY"}
    )
    # Unset: keys and sessions in the SQLite file. Set (postgresql://user@host:port/db): every
    # replica shares them in PostgreSQL. A password only from TECHNO_DATABASE_URL_FILE or the
    # standard PGPASSFILE; repr=False all the same.
    database_url: str | None = field(
        default=None, repr=False, metadata={"env": "TECHNO_DATABASE_URL", "file": True}
    )
    # file: JSON lines at audit_path. postgresql: the audit_events table of TECHNO_DATABASE_URL.
    audit_sink: AuditSink = field(default="file", metadata={"env": "TECHNO_AUDIT_SINK"})
    rate_limit_per_minute: int = field(
        default=100, metadata={"env": "TECHNO_RATE_LIMIT_PER_MINUTE"}
    )
    # Unset: each process keeps its own buckets. Set: every replica shares them in Redis.
    # repr=False: the URL may carry the Redis password.
    rate_limit_redis_url: str | None = field(
        default=None, repr=False, metadata={"env": "TECHNO_RATE_LIMIT_REDIS_URL", "file": True}
    )
    action_matrix_path: Path = field(
        default=DEFAULT_ACTION_MATRIX, metadata={"env": "TECHNO_ACTION_MATRIX"}
    )
    max_body_bytes: int = field(default=65536, metadata={"env": "TECHNO_MAX_BODY_BYTES"})
    # How long reading one request body may take: a trickled body is cut off with 408.
    body_read_timeout_seconds: float = field(
        default=10.0, metadata={"env": "TECHNO_BODY_READ_TIMEOUT_SECONDS"}
    )
    # Requests without a valid credential, per client address.
    unauthenticated_per_minute: int = field(
        default=60, metadata={"env": "TECHNO_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE"}
    )
    # Proxies whose X-Forwarded-For names the client (IPs or CIDRs); none by default.
    trusted_proxies: tuple[str, ...] = field(default=(), metadata={"env": "TECHNO_TRUSTED_PROXIES"})
    executor_timeout_seconds: float = field(
        default=5.0, metadata={"env": "TECHNO_EXECUTOR_TIMEOUT_SECONDS"}
    )
    session_ttl_seconds: int = field(default=28800, metadata={"env": "TECHNO_SESSION_TTL_SECONDS"})
    tls_cert: Path | None = field(default=None, metadata={"env": "TECHNO_TLS_CERT"})
    tls_key: Path | None = field(default=None, metadata={"env": "TECHNO_TLS_KEY"})
    debug: bool = field(default=False, metadata={"env": "TECHNO_DEBUG"})
    access_log: bool = field(default=False, metadata={"env": "TECHNO_ACCESS_LOG"})
    # auto: uvloop when it is installed (the faster loop), else asyncio's own.
    event_loop: EventLoop = field(default="auto", metadata={"env": "TECHNO_EVENT_LOOP"})
    catalog_path: Path = field(default=DEFAULT_CATALOG_PATH, metadata={"env": "TECHNO_CATALOG"})
    # repr=False and a *_FILE twin: both may carry a credential.
    llm_url: str | None = field(
        default=None, repr=False, metadata={"env": "TECHNO_LLM_URL", "file": True}
    )
    llm_api_key: str | None = field(
        default=None, repr=False, metadata={"env": "TECHNO_LLM_API_KEY", "file": True}
    )
    llm_model: str = field(default="gpt-4o-mini", metadata={"env": "TECHNO_LLM_MODEL"})
    llm_timeout_seconds: float = field(default=10.0, metadata={"env": "TECHNO_LLM_TIMEOUT_SECONDS"})
    llm_max_retries: int = field(default=2, metadata={"env": "TECHNO_LLM_MAX_RETRIES"})
    # Production refuses a non-loopback bind without TLS unless TLS ends at a proxy.
    tls_terminated_at_proxy: bool = field(
        default=False, metadata={"env": "TECHNO_TLS_TERMINATED_AT_PROXY"}
    )
    # Which fields came from an explicit value rather than a default; production
    # needs to know whether the operator chose where the data lives.
    explicit: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # Which fields were read from a *_FILE setting (production takes credentials only so).
    from_files: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def resolved_db_path(self) -> Path:
        """Return the SQLite keys database path (TECHNO_DB_PATH or DATA_DIR/techno.db)."""
        return self.db_path if self.db_path is not None else self.data_dir / DB_FILE_NAME

    @property
    def resolved_audit_path(self) -> Path:
        """Return the audit log path (TECHNO_AUDIT_PATH or DATA_DIR/audit.jsonl)."""
        return self.audit_path if self.audit_path is not None else self.data_dir / AUDIT_FILE_NAME

    @property
    def tls_enabled(self) -> bool:
        return self.tls_cert is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `env` (default os.environ), then apply explicit overrides."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        from_files: set[str] = set()
        for spec in fields(cls):
            var = spec.metadata.get("env")
            if var is None:
                continue
            if spec.metadata.get("file") and f"{var}_FILE" in source:
                if var in source:
                    raise SettingsError(var, f"set {var} or {var}_FILE, not both")
                values[spec.name] = _PARSERS[spec.name](var, _read_secret_file(var, source))
                from_files.add(spec.name)
                continue
            if var not in source:
                continue
            raw = source[var].strip()
            if raw == "" and spec.default is None:
                continue
            values[spec.name] = _PARSERS[spec.name](var, raw)
        values.update(overrides)
        if values.get("database_url") is not None and source.get("PGPASSWORD"):
            # libpq's and asyncpg's own fallback, but a password in plain environment text.
            raise SettingsError(
                "PGPASSWORD",
                "not used: give the database password in TECHNO_DATABASE_URL_FILE or PGPASSFILE",
            )
        return cls(**values, explicit=frozenset(values), from_files=frozenset(from_files))

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with some fields replaced (validated again)."""
        return replace(self, **overrides, explicit=self.explicit | frozenset(overrides))

    @staticmethod
    def env_var(field_name: str) -> str:
        """Return the environment variable that sets `field_name`."""
        return str(_FIELDS[field_name].metadata["env"])


def _read_secret_file(var: str, source: Mapping[str, str]) -> str:
    path = Path(source[f"{var}_FILE"].strip())
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        # The path, never the content: the file holds a secret.
        raise SettingsError(f"{var}_FILE", f"cannot read {path}: {exc.strerror}") from None


def _parse_int(var: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(var, f"must be an integer, got {raw!r}") from None


def _parse_float(var: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(var, f"must be a number, got {raw!r}") from None


def _parse_bool(var: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingsError(var, f"must be 0 or 1, got {raw!r}")


def _parse_choice(choices: tuple[str, ...]) -> Callable[[str, str], str]:
    def parse(var: str, raw: str) -> str:
        if raw not in choices:
            raise SettingsError(var, f"must be one of {', '.join(choices)}, got {raw!r}")
        return raw

    return parse


def _parse_path(var: str, raw: str) -> Path:
    if not raw:
        raise SettingsError(var, "must not be empty")
    return Path(raw)


def _parse_str(var: str, raw: str) -> str:
    return raw


def _parse_networks(var: str, raw: str) -> tuple[str, ...]:
    networks = tuple(part.strip() for part in raw.split(",") if part.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise SettingsError(var, f"not an IP address or CIDR: {network!r}") from None
    return networks


_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "mode": _parse_choice(MODES),
    "host": _parse_str,
    "port": _parse_int,
    "data_dir": _parse_path,
    "db_path": _parse_path,
    "audit_path": _parse_path,
    "audit_durability": _parse_choice(DURABILITIES),
    "database_url": _parse_str,
    "audit_sink": _parse_choice(AUDIT_SINKS),
    "rate_limit_per_minute": _parse_int,
    "rate_limit_redis_url": _parse_str,
    "action_matrix_path": _parse_path,
    "max_body_bytes": _parse_int,
    "body_read_timeout_seconds": _parse_float,
    "unauthenticated_per_minute": _parse_int,
    "trusted_proxies": _parse_networks,
    "executor_timeout_seconds": _parse_float,
    "session_ttl_seconds": _parse_int,
    "tls_cert": _parse_path,
    "tls_key": _parse_path,
    "debug": _parse_bool,
    "access_log": _parse_bool,
    "event_loop": _parse_choice(EVENT_LOOPS),
    "catalog_path": _parse_path,
    "llm_url": _parse_str,
    "llm_api_key": _parse_str,
    "llm_model": _parse_str,
    "llm_timeout_seconds": _parse_float,
    "llm_max_retries": _parse_int,
    "tls_terminated_at_proxy": _parse_bool,
}
_FIELDS = {spec.name: spec for spec in fields(Settings)}


def _check(condition: bool, field_name: str, problem: str) -> None:
    if not condition:
        raise SettingsError(Settings.env_var(field_name), problem)


def _in_range(value: float, low: float, high: float) -> bool:
    return low <= value <= high


def _validate(s: Settings) -> None:
    _check(s.mode in MODES, "mode", f"must be one of {', '.join(MODES)}")
    _check(s.audit_durability in DURABILITIES, "audit_durability", "must be buffered or fsync")
    _check(s.event_loop in EVENT_LOOPS, "event_loop", f"must be one of {', '.join(EVENT_LOOPS)}")
    _check(bool(s.host), "host", "must not be empty")
    _check(_in_range(s.port, 0, 65535), "port", f"must be 0-65535, got {s.port}")
    _check(
        _in_range(s.rate_limit_per_minute, 1, 1_000_000),
        "rate_limit_per_minute",
        f"must be 1-1000000, got {s.rate_limit_per_minute}",
    )
    _check(
        _in_range(s.max_body_bytes, 64, 16 * 1024 * 1024),
        "max_body_bytes",
        f"must be 64-16777216, got {s.max_body_bytes}",
    )
    _check(
        _in_range(s.body_read_timeout_seconds, 0.001, 300.0),
        "body_read_timeout_seconds",
        f"must be 0.001-300 seconds, got {s.body_read_timeout_seconds}",
    )
    _check(
        _in_range(s.unauthenticated_per_minute, 1, 1_000_000),
        "unauthenticated_per_minute",
        f"must be 1-1000000, got {s.unauthenticated_per_minute}",
    )
    _check(
        _in_range(s.executor_timeout_seconds, 0.001, 300.0),
        "executor_timeout_seconds",
        f"must be 0.001-300 seconds, got {s.executor_timeout_seconds}",
    )
    _check(
        _in_range(s.session_ttl_seconds, 60, 30 * 86400),
        "session_ttl_seconds",
        f"must be 60-2592000 seconds, got {s.session_ttl_seconds}",
    )
    _check(
        _in_range(s.llm_timeout_seconds, 0.001, 300.0),
        "llm_timeout_seconds",
        f"must be 0.001-300 seconds, got {s.llm_timeout_seconds}",
    )
    _check(
        _in_range(s.llm_max_retries, 0, 10),
        "llm_max_retries",
        f"must be 0-10, got {s.llm_max_retries}",
    )
    _check(bool(s.llm_model), "llm_model", "must not be empty")
    if s.llm_url is not None:
        parts = urlsplit(s.llm_url)
        _check(
            parts.scheme in ("http", "https") and bool(parts.hostname),
            "llm_url",
            f"must be an http(s) URL with a host, got {redact_url(s.llm_url)!r}",
        )
    if s.rate_limit_redis_url is not None:
        _validate_redis_url(s.rate_limit_redis_url)
    _check(s.audit_sink in AUDIT_SINKS, "audit_sink", f"must be one of {', '.join(AUDIT_SINKS)}")
    if s.database_url is not None:
        _validate_database_url(s.database_url, from_file="database_url" in s.from_files)
    _check(
        s.audit_sink != "postgresql" or s.database_url is not None,
        "audit_sink",
        "postgresql needs TECHNO_DATABASE_URL (the audit goes to that database)",
    )
    _validate_files(s)
    if s.mode == "production":
        from service.production import validate_production  # it imports this module

        validate_production(s)


def _check_port(parts: SplitResult, field_name: str, shown: str) -> None:
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise SettingsError(
            Settings.env_var(field_name), f"has an invalid port: {shown!r}"
        ) from None


def _validate_redis_url(url: str) -> None:
    shown = redact_url(url)
    parts = urlsplit(url)
    _check(
        parts.scheme in ("redis", "rediss") and bool(parts.hostname),
        "rate_limit_redis_url",
        f"must be a redis:// or rediss:// URL with a host, got {shown!r}",
    )
    _check_port(parts, "rate_limit_redis_url", shown)
    db = parts.path.strip("/")
    _check(
        db == "" or db.isdigit(),
        "rate_limit_redis_url",
        f"the path must be a database number like /0, got {shown!r}",
    )


def _validate_database_url(url: str, *, from_file: bool) -> None:
    shown = redact_url(url)
    parts = urlsplit(url)
    _check(
        parts.scheme in ("postgresql", "postgres"),
        "database_url",
        f"must be a postgresql:// URL, got {shown!r}",
    )
    _check_port(parts, "database_url", shown)
    # A user name alone is the usual form (postgresql://techno@db:5432/techno): only a
    # password after its colon, or one in the query, is refused.
    query = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    _check(
        from_file or (parts.password is None and not query & SECRET_QUERY_NAMES),
        "database_url",
        f"carries a password ({shown!r}): put the URL in TECHNO_DATABASE_URL_FILE, "
        "or the password in a PGPASSFILE, never in plain environment text",
    )


def _validate_files(s: Settings) -> None:
    _check(
        (s.tls_cert is None) == (s.tls_key is None),
        "tls_cert" if s.tls_cert is None else "tls_key",
        "TLS needs both TECHNO_TLS_CERT and TECHNO_TLS_KEY, or neither",
    )
    for name in ("tls_cert", "tls_key", "action_matrix_path", "catalog_path"):
        path: Path | None = getattr(s, name)
        if path is not None:
            _check(path.is_file(), name, f"file not found: {path}")
