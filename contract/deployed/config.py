"""STACK.yaml: the endpoints of a deployed stack, validated once, secrets only from files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from contract.errors import ConfigError
from service.production import is_loopback

STACK_FILE = "STACK.yaml"
_TOP_KEYS = {"production", "budget", "backend", "prometheus", "alertmanager", "grafana"}
_ENDPOINT_KEYS = {"url", "tls", "auth", "timeout_seconds", "instance"}
_TLS_KEYS = {"ca_file", "cert_file", "key_file"}
_AUTH_KEYS = {"bearer_token_file", "username", "password_file"}
_BUDGET_KEYS = {"max_requests", "timeout_seconds"}
DEFAULT_MAX_REQUESTS = 2000
DEFAULT_TIMEOUT_SECONDS = 10.0


class StackFileError(ConfigError):
    """STACK.yaml is missing, malformed or names a field wrongly; the message says where."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        self.path = path
        self.field = field
        super().__init__("deployed", f"{path}: {field}: {problem}")


@dataclass(frozen=True)
class Tls:
    """How to trust an endpoint (CA file) and prove who we are to it (client cert and key)."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None


@dataclass(frozen=True)
class Credentials:
    """Secrets read from their files at load time; repr never shows them."""

    bearer_token: str | None = None
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        kind = "bearer" if self.bearer_token else "basic" if self.username else "none"
        return f"Credentials(<{kind}, redacted>)"

    def secrets(self) -> list[str]:
        """Return every secret this holds, for the evidence redactor."""
        return [s for s in (self.bearer_token, self.password) if s]


@dataclass(frozen=True)
class Endpoint:
    """One HTTP endpoint of the deployed stack and how to talk to it."""

    name: str
    url: str
    tls: Tls
    credentials: Credentials
    timeout_seconds: float
    # For a backend target: the `instance` label Prometheus scrapes it under.
    instance: str | None = None


@dataclass(frozen=True)
class DeployedStack:
    """A validated STACK.yaml."""

    path: Path
    production: bool
    max_requests: int
    backends: tuple[Endpoint, ...]
    prometheus: Endpoint
    alertmanagers: tuple[Endpoint, ...]
    grafana: Endpoint | None

    def endpoints(self) -> tuple[Endpoint, ...]:
        """Return every endpoint, in the order the checks use them."""
        extra = (self.grafana,) if self.grafana else ()
        return (*self.backends, self.prometheus, *self.alertmanagers, *extra)

    def secrets(self) -> list[str]:
        """Return every credential of every endpoint."""
        return [s for e in self.endpoints() for s in e.credentials.secrets()]


class _Reader:
    """Validate one STACK.yaml; every error names the file and the dotted field."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.parent

    def fail(self, field: str, problem: str) -> StackFileError:
        return StackFileError(self.path, field, problem)

    def mapping(self, raw: Any, field: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(field, f"must be a mapping, got {type(raw).__name__}")
        unknown = sorted(set(map(str, raw)) - allowed)
        if unknown:
            raise self.fail(
                f"{field}.{unknown[0]}", f"unknown field; allowed: {', '.join(sorted(allowed))}"
            )
        return raw

    def number(self, raw: dict[str, Any], key: str, field: str, default: float) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.fail(f"{field}.{key}", f"must be a positive number, got {value!r}")
        return float(value)

    def file(self, raw: dict[str, Any], key: str, field: str) -> Path | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(f"{field}.{key}", "must be a file path")
        path = (self.base / value).resolve()
        if not path.is_file():
            raise self.fail(f"{field}.{key}", f"{path} is not a readable file")
        return path

    def secret(self, raw: dict[str, Any], key: str, field: str) -> str | None:
        path = self.file(raw, key, field)
        if path is None:
            return None
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise self.fail(f"{field}.{key}", f"cannot read {path}: {type(exc).__name__}") from exc
        # Never quote the file's content: it is the secret.
        if path.stat().st_mode & 0o004:
            raise self.fail(f"{field}.{key}", f"{path} is readable by every user; chmod 600 it")
        if any(c.isspace() or not c.isprintable() for c in value):
            raise self.fail(
                f"{field}.{key}", f"{path} holds whitespace or control characters inside"
            )
        if len(value) < 4:
            raise self.fail(f"{field}.{key}", f"{path} holds no secret (shorter than 4 characters)")
        return value

    def tls(self, raw: Any, field: str) -> Tls:
        if raw is None:
            return Tls()
        body = self.mapping(raw, field, _TLS_KEYS)
        tls = Tls(
            self.file(body, "ca_file", field),
            self.file(body, "cert_file", field),
            self.file(body, "key_file", field),
        )
        if (tls.cert_file is None) != (tls.key_file is None):
            raise self.fail(
                f"{field}.cert_file", "a client certificate needs both cert_file and key_file"
            )
        return tls

    def auth(self, raw: Any, field: str) -> Credentials:
        if raw is None:
            return Credentials()
        for key in ("token", "password", "bearer_token"):
            if isinstance(raw, dict) and key in raw:
                # Never in STACK.yaml itself: it is committed, printed and copied to evidence.
                raise self.fail(
                    f"{field}.{key}",
                    "secrets are read only from files (bearer_token_file, password_file)",
                )
        body = self.mapping(raw, field, _AUTH_KEYS)
        token = self.secret(body, "bearer_token_file", field)
        username = body.get("username")
        password = self.secret(body, "password_file", field)
        if token and (username or password):
            raise self.fail(field, "give bearer_token_file or username + password_file, not both")
        if (username is None) != (password is None):
            raise self.fail(f"{field}.password_file", "basic auth needs username and password_file")
        if username is not None and (not isinstance(username, str) or not username):
            raise self.fail(f"{field}.username", "must be a non-empty string")
        return Credentials(token, username, password)

    def endpoint(self, raw: Any, name: str, field: str, default_timeout: float) -> Endpoint:
        if isinstance(raw, str):
            raw = {"url": raw}
        body = self.mapping(raw, field, _ENDPOINT_KEYS)
        url = body.get("url")
        if not isinstance(url, str):
            raise self.fail(f"{field}.url", "is required (http:// or https:// URL)")
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises on a port out of range or not a number
        except ValueError as exc:
            raise self.fail(f"{field}.url", f"{url!r} is not a valid URL: {exc}") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(f"{field}.url", f"{url!r} is not an http(s) URL with a host")
        if parts.username or parts.password:
            # A URL is printed in every message and evidence file: it must hold no secret.
            raise self.fail(f"{field}.url", "must not carry credentials; use auth.password_file")
        if parts.query or parts.fragment:
            raise self.fail(f"{field}.url", "must be a base URL without query or fragment")
        tls = self.tls(body.get("tls"), f"{field}.tls")
        if parts.scheme == "http" and tls != Tls():
            raise self.fail(f"{field}.tls", f"{url} is plain http: TLS settings would be ignored")
        instance = body.get("instance")
        if instance is not None and not isinstance(instance, str):
            raise self.fail(f"{field}.instance", "must be a string like host:port")
        if instance is not None and not name.startswith("backend"):
            raise self.fail(f"{field}.instance", "applies only to a backend target")
        credentials = self.auth(body.get("auth"), f"{field}.auth")
        if parts.scheme == "http" and credentials.secrets() and not is_loopback(parts.hostname):
            # Plain http to another host sends the token or password in clear text.
            raise self.fail(f"{field}.auth", f"{url} is plain http: use https to send credentials")
        return Endpoint(
            name=name,
            url=url.rstrip("/"),
            tls=tls,
            credentials=credentials,
            timeout_seconds=self.number(body, "timeout_seconds", field, default_timeout),
            instance=instance,
        )

    def endpoints(self, raw: Any, name: str, field: str, timeout: float) -> tuple[Endpoint, ...]:
        items = raw if isinstance(raw, list) else [raw]
        if not items or raw is None:
            raise self.fail(field, "names no endpoint")
        if len(items) == 1:
            return (self.endpoint(items[0], name, field, timeout),)
        return tuple(
            self.endpoint(item, f"{name}[{i}]", f"{field}[{i}]", timeout)
            for i, item in enumerate(items)
        )

    def stack(self, raw: Any) -> DeployedStack:
        body = self.mapping(raw, "(top level)", _TOP_KEYS)
        for key in ("backend", "prometheus", "alertmanager"):
            if key not in body:
                raise self.fail(key, "is required")
        budget = self.mapping(body.get("budget") or {}, "budget", _BUDGET_KEYS)
        timeout = self.number(budget, "timeout_seconds", "budget", DEFAULT_TIMEOUT_SECONDS)
        max_requests = self.number(budget, "max_requests", "budget", DEFAULT_MAX_REQUESTS)
        if not max_requests.is_integer():
            raise self.fail("budget.max_requests", f"must be a whole number, got {max_requests:g}")
        production = body.get("production", False)
        if not isinstance(production, bool):
            raise self.fail("production", f"must be true or false, got {production!r}")
        prometheus = self.endpoints(body["prometheus"], "prometheus", "prometheus", timeout)
        if len(prometheus) != 1:
            raise self.fail("prometheus", "names one Prometheus, not a list")
        grafana = None
        if body.get("grafana") is not None:
            grafana = self.endpoint(body["grafana"], "grafana", "grafana", timeout)
        stack = DeployedStack(
            path=self.path,
            production=production,
            max_requests=int(max_requests),
            backends=self.endpoints(body["backend"], "backend", "backend", timeout),
            prometheus=prometheus[0],
            alertmanagers=self.endpoints(
                body["alertmanager"], "alertmanager", "alertmanager", timeout
            ),
            grafana=grafana,
        )
        seen: dict[str, str] = {}
        for endpoint in stack.endpoints():
            # Two endpoints at one URL: which credentials a request gets would be a guess.
            if endpoint.url in seen:
                raise self.fail(
                    f"{endpoint.name}.url",
                    f"{endpoint.url} is also the URL of {seen[endpoint.url]}",
                )
            seen[endpoint.url] = endpoint.name
        return stack


def load_stack(path: Path) -> DeployedStack:
    """Read and validate STACK.yaml; the error names the file and the field."""
    path = path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StackFileError(path, "(file)", f"cannot read: {exc.strerror or exc}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # Only the problem and its place: the YAML error's snippet may quote a secret.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise StackFileError(path, "(file)", f"not valid YAML{where}: {problem}") from exc
    return _Reader(path).stack(raw)
