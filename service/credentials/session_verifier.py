"""Verify presented session tokens: the session must be live and so must its parent key."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from service.credentials.key_verifier import (
    MAX_CACHED_KEYS,
    MAX_CACHED_UNKNOWN,
    KeyVerifier,
    Principal,
)
from service.credentials.keys import hash_secret
from service.credentials.sessions import split_session_token
from service.storage.base import SessionStore


@dataclass(frozen=True)
class _CachedSession:
    secret_hash: bytes
    principal: Principal
    expires_at: float
    ended: bool


class SessionVerifier:
    """Turn a presented session token into its parent key's Principal, or None."""

    def __init__(
        self,
        store: SessionStore,
        keys: KeyVerifier,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._keys = keys
        self._clock = clock
        # Sessions the store knows (None: known but unusable, its key gone), and ids it
        # does not know, apart: made-up ids fill and clear only their own cache.
        self._cache: dict[str, _CachedSession | None] = {}
        self._unknown: dict[str, None] = {}
        self._epoch = keys.epoch

    async def verify(self, token: str) -> Principal | None:
        """Return the principal if the session is live and its key neither revoked nor expired."""
        parts = split_session_token(token)
        if parts is None:
            return None
        session_id, secret = parts
        # The key verifier's staleness rule decides for both caches: one check per tick.
        self._keys.refresh()
        if self._epoch != self._keys.epoch:
            self._epoch = self._keys.epoch
            self._cache.clear()
            self._unknown.clear()
        entry = self._cache.get(session_id)
        if entry is None and session_id not in self._cache:
            entry = None if session_id in self._unknown else await self._load(session_id)
        if entry is None or entry.ended:
            return None
        # Constant-time comparison so response timing reveals nothing about the hash.
        if not hmac.compare_digest(hash_secret(secret), entry.secret_hash):
            return None
        if self._clock() >= entry.expires_at:
            return None
        # Checked on every request: a key expires by the clock, without any store change.
        if await self._keys.usable_principal(entry.principal.key_id) is None:
            return None
        return entry.principal

    def forget(self, session_id: str) -> None:
        """Drop one cached session (call after this process ended it)."""
        self._cache.pop(session_id, None)

    async def _load(self, session_id: str) -> _CachedSession | None:
        stored = await self._store.get_session(session_id)
        if stored is None:
            if len(self._unknown) >= MAX_CACHED_UNKNOWN:
                self._unknown.clear()
            self._unknown[session_id] = None
            return None
        entry = None
        record = stored.record
        parent = await self._keys.usable_principal(record.key_id)
        # Revocation and expiry are final, so a key unusable now never
        # makes this session usable again: cache the refusal.
        if parent is not None:
            entry = _CachedSession(
                secret_hash=stored.secret_hash,
                principal=Principal(parent.key_id, parent.role, session_id),
                expires_at=record.expires_at.timestamp(),
                ended=record.ended_at is not None,
            )
        if len(self._cache) >= MAX_CACHED_KEYS:
            self._cache.clear()
        self._cache[session_id] = entry
        return entry
