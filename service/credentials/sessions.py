"""Session material: a short-lived token derived from an API key, and how it is issued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from service.credentials.keys import (
    credential_pattern,
    hash_secret,
    new_credential,
    split_credential,
)
from service.storage.base import SessionRecord, SessionStore

SESSION_ID_PREFIX = "ses_"
MIN_TTL_SECONDS = 60
_SESSION_TOKEN_RE = credential_pattern(SESSION_ID_PREFIX)


@dataclass(frozen=True)
class IssuedSession:
    """A freshly created session: the only moment its plaintext token exists."""

    record: SessionRecord
    token: str


def split_session_token(token: str) -> tuple[str, str] | None:
    """Return (session_id, secret) of a well-formed session token, or None."""
    return split_credential(_SESSION_TOKEN_RE, token)


async def create_session(
    store: SessionStore, *, key_id: str, ttl_seconds: int, now: datetime
) -> IssuedSession:
    """Create a session of `key_id` lasting `ttl_seconds` from `now`; return its token once."""
    if ttl_seconds < MIN_TTL_SECONDS:
        raise ValueError(f"ttl_seconds: must be at least {MIN_TTL_SECONDS}")
    created_at = now.replace(microsecond=0)
    session_id, secret = new_credential(SESSION_ID_PREFIX)
    record = SessionRecord(
        session_id=session_id,
        key_id=key_id,
        created_at=created_at,
        expires_at=created_at + timedelta(seconds=ttl_seconds),
        ended_at=None,
    )
    await store.add_session(record, hash_secret(secret))
    return IssuedSession(record=record, token=f"{session_id}.{secret}")
