"""Typed model of `alerting.receivers`: each route's real receiver, credentials from files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obs.catalog import fields
from obs.catalog.fields import Where

# The receiver every unmatched alert goes to; each severity names its own as well.
DEFAULT_RECEIVER = "default"
# Per kind: the settings it takes, and which of them are credentials read from a file.
# Alertmanager 0.25 reads these four from files; its webhook has no url_file yet, so a
# webhook's secret is its bearer token (http_config.authorization.credentials_file).
RECEIVER_KINDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "slack": (frozenset({"channel"}), frozenset({"api_url_file"})),
    "pagerduty": (frozenset(), frozenset({"routing_key_file"})),
    "email": (
        frozenset({"to", "from", "smarthost", "auth_username"}),
        frozenset({"auth_password_file"}),
    ),
    "webhook": (frozenset({"url"}), frozenset({"credentials_file"})),
}
# Inline spellings of a credential: refused, so no secret is ever committed.
_INLINE = {
    "api_url": "api_url_file",
    "routing_key": "routing_key_file",
    "service_key": "routing_key_file",
    "auth_password": "auth_password_file",
    "credentials": "credentials_file",
    "password": "auth_password_file",
}
_OPTIONAL = {"credentials_file"}


@dataclass(frozen=True)
class ReceiverSpec:
    """One Alertmanager receiver: its name, kind, settings and credential files."""

    name: str
    kind: str
    settings: tuple[tuple[str, str], ...]
    credential_files: tuple[tuple[str, str], ...]

    def setting(self, key: str) -> str:
        """Return one setting's value."""
        return dict(self.settings)[key]


def parse_receivers(raw: Any, where: Where, names: tuple[str, ...]) -> tuple[ReceiverSpec, ...]:
    """Validate the receivers mapping: exactly one per route name, every credential a file."""
    body = fields.mapping(raw, where, "receivers")
    wanted = (DEFAULT_RECEIVER, *names)
    for name in wanted:
        if name not in body:
            raise where.error(f"receivers.{name}", "is required: every route names a receiver")
    for name in body:
        if name not in wanted:
            raise where.error(f"receivers.{name}", f"no route uses it; routes: {list(wanted)}")
    return tuple(_receiver(name, body[name], where) for name in wanted)


def _receiver(name: str, raw: Any, parent: Where) -> ReceiverSpec:
    where = Where(parent.path, f"{parent.entry}.receivers.{name}")
    body = fields.mapping(raw, parent, f"receivers.{name}")
    kind = body.get("kind")
    if kind not in RECEIVER_KINDS:
        raise where.error("kind", f"must be one of {list(RECEIVER_KINDS)}, got {kind!r}")
    plain, files = RECEIVER_KINDS[kind]
    for key in body:
        if key in _INLINE:
            raise where.error(
                key, f"credentials are never inline: put it in a file and name it {_INLINE[key]}"
            )
    fields.only_keys(body, where, {"kind", *plain, *files})
    settings = tuple((key, fields.text(body, where, key)) for key in sorted(plain))
    credentials = []
    for key in sorted(files):
        if key in _OPTIONAL and key not in body:
            continue
        path = fields.text(body, where, key)
        if not path.startswith("/"):
            raise where.error(key, f"must be an absolute path on the Alertmanager host: {path!r}")
        credentials.append((key, path))
    return ReceiverSpec(name, kind, settings, tuple(credentials))
