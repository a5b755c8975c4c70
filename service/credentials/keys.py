"""API key material: generate, hash, parse, and the create/list/revoke operations."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service.storage.base import KeyRecord, KeyStore

KEY_ID_PREFIX = "key_"
_ID_HEX_CHARS = 16
_SECRET_BYTES = 32
KEY_ID_RE = re.compile(r"^key_[0-9a-f]{16}$")
MAX_NAME_CHARS = 100
MAX_EXPIRES_IN_DAYS = 3650


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created key: the only moment its plaintext secret exists."""

    record: KeyRecord
    api_key: str


def credential_pattern(prefix: str) -> re.Pattern[str]:
    """Return the pattern of `<prefix><16 hex>.<43 base64url>` credentials, capturing both parts."""
    # `<id>.<secret>`: the id is public (audit, listings); only the secret is secret.
    return re.compile("^(" + re.escape(prefix) + r"[0-9a-f]{16})\.([A-Za-z0-9_-]{43})$")


def new_credential(prefix: str) -> tuple[str, str]:
    """Return a fresh public id `<prefix><16 hex>` and a 256-bit url-safe secret."""
    return prefix + secrets.token_hex(_ID_HEX_CHARS // 2), secrets.token_urlsafe(_SECRET_BYTES)


_API_KEY_RE = credential_pattern(KEY_ID_PREFIX)


def hash_secret(secret: str) -> bytes:
    """Return the stored digest of a secret."""
    # A plain SHA-256 is enough here (no salt, no slow KDF): the secret is 256
    # random bits, so there is no dictionary to attack, and verification stays
    # cheap on the hot path. Slow hashes exist for low-entropy passwords.
    return hashlib.sha256(secret.encode("ascii")).digest()


def split_credential(pattern: re.Pattern[str], credential: str) -> tuple[str, str] | None:
    """Return (id, secret) of a credential that matches a `credential_pattern`, or None."""
    match = pattern.match(credential)
    return None if match is None else (match[1], match[2])


def split_api_key(api_key: str) -> tuple[str, str] | None:
    """Return (key_id, secret) of a well-formed API key, or None."""
    return split_credential(_API_KEY_RE, api_key)


def validate_key_request(role: str, name: str, expires_in_days: int | None) -> None:
    """Raise ValueError naming the field if a new key's fields are not acceptable."""
    if not role:
        raise ValueError("role: must not be empty")
    if len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise ValueError(f"name: must be at most {MAX_NAME_CHARS} printable characters")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRES_IN_DAYS:
        raise ValueError(f"expires_in_days: must be 1-{MAX_EXPIRES_IN_DAYS}")


async def create_key(
    store: KeyStore, *, role: str, name: str = "", expires_in_days: int | None = None
) -> IssuedKey:
    """Create a key, store only the hash of its secret, and return the plaintext once."""
    validate_key_request(role, name, expires_in_days)
    now = datetime.now(UTC).replace(microsecond=0)
    key_id, secret = new_credential(KEY_ID_PREFIX)
    record = KeyRecord(
        key_id=key_id,
        role=role,
        name=name,
        created_at=now,
        expires_at=None if expires_in_days is None else now + timedelta(days=expires_in_days),
        revoked_at=None,
    )
    await store.add_key(record, hash_secret(secret))
    return IssuedKey(record=record, api_key=f"{key_id}.{secret}")


def key_to_json(record: KeyRecord) -> dict[str, str | None]:
    """Render a key record for listings (CLI --json and the admin API)."""
    now = datetime.now(UTC)
    if record.revoked_at is not None:
        state = "revoked"
    elif record.expires_at is not None and now >= record.expires_at:
        state = "expired"
    else:
        state = "active"
    return {
        "key_id": record.key_id,
        "role": record.role,
        "name": record.name,
        "state": state,
        "created_at": record.created_at.isoformat(),
        "expires_at": None if record.expires_at is None else record.expires_at.isoformat(),
        "revoked_at": None if record.revoked_at is None else record.revoked_at.isoformat(),
    }
