"""Verify presented API keys against the store, with a cache the hot path can afford."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from service.credentials.keys import hash_secret, split_api_key
from service.storage.base import KeyStore, StorageError

# How stale the cache may be with respect to another process's key change
# (e.g. `python -m service keys revoke` while the server runs): a request that
# starts more than this after the CLI committed sees the change. Changes made
# through this process's admin API invalidate immediately. The check is one
# `PRAGMA data_version` (~3 us here; a stat() of the WAL file cost ~2 us and can
# miss a same-size rewrite), so at 1 ms it costs under 0.5 us a request at
# 7k req/s and nothing measurable when idle.
DEFAULT_RECHECK_SECONDS = 0.001
# Bound the memory spent on each cache: real keys, and ids that do not exist.
MAX_CACHED_KEYS = 10_000
MAX_CACHED_UNKNOWN = 10_000


@dataclass(frozen=True)
class Principal:
    """Who made the request: a key id and its role, and the session if one was used."""

    key_id: str
    role: str
    # Set when a session token authenticated the request; key_id is then its parent key.
    session_id: str | None = None


@dataclass(frozen=True)
class _CachedKey:
    secret_hash: bytes
    principal: Principal
    expires_at: float | None
    revoked: bool


class KeyVerifier:
    """Turn a presented API key into a Principal, or None if it must be refused."""

    def __init__(
        self,
        store: KeyStore,
        *,
        recheck_seconds: float = DEFAULT_RECHECK_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._recheck_seconds = recheck_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._cache: dict[str, _CachedKey] = {}
        # Ids the store does not know, apart: a flood of made-up ids fills and
        # clears only this one, never evicting the real keys above.
        self._unknown: dict[str, None] = {}
        # Every key id in the store, loaded when first needed and again after a change.
        self._real_ids: frozenset[str] | None = None
        self._real_ids_epoch = -1
        self._generation = store.generation()
        self._checked_at = monotonic()
        # Moves whenever the cache is dropped, so caches derived from keys
        # (sessions) follow the same staleness rule without asking the store.
        self.epoch = 0

    async def verify(self, api_key: str) -> Principal | None:
        """Return the key's principal if it is well formed, known, unrevoked and unexpired."""
        parts = split_api_key(api_key)
        if parts is None:
            return None
        key_id, secret = parts
        self.refresh()
        entry = await self._entry(key_id)
        if entry is None or entry.revoked:
            return None
        # Constant-time comparison so response timing reveals nothing about the hash.
        if not hmac.compare_digest(hash_secret(secret), entry.secret_hash):
            return None
        return self._unexpired(entry)

    async def usable_principal(self, key_id: str) -> Principal | None:
        """Return the principal of a known, unrevoked, unexpired key id (no secret involved).

        For credentials derived from a key (sessions), after `refresh()`.
        """
        entry = await self._entry(key_id)
        if entry is None or entry.revoked:
            return None
        return self._unexpired(entry)

    def invalidate(self) -> None:
        """Forget every cached key (call after this process changed a key)."""
        self._cache.clear()
        self._unknown.clear()
        self.epoch += 1
        self._generation = self._store.generation()

    def refresh(self) -> None:
        """Drop the cache if another connection changed the store (checked at most once a tick)."""
        now = self._monotonic()
        if now - self._checked_at < self._recheck_seconds:
            return
        try:
            generation = self._store.generation()
        except StorageError:
            # A store that cannot tell what changed (PostgreSQL while its change
            # listener is lost) fails closed: nothing cached is served, and every
            # request asks again until it answers.
            self._cache.clear()
            self._unknown.clear()
            self.epoch += 1
            raise
        self._checked_at = now
        if generation != self._generation:
            self._generation = generation
            self._cache.clear()
            self._unknown.clear()
            self.epoch += 1

    def _unexpired(self, entry: _CachedKey) -> Principal | None:
        if entry.expires_at is not None and self._clock() >= entry.expires_at:
            return None
        return entry.principal

    async def _entry(self, key_id: str) -> _CachedKey | None:
        entry = self._cache.get(key_id)
        if entry is not None or key_id in self._unknown:
            return entry
        return await self._load(key_id)

    async def _load(self, key_id: str) -> _CachedKey | None:
        stored = await self._store.get_key(key_id)
        if stored is None:
            if len(self._unknown) >= MAX_CACHED_UNKNOWN:
                self._unknown.clear()
            self._unknown[key_id] = None
            return None
        record = stored.record
        entry = _CachedKey(
            secret_hash=stored.secret_hash,
            principal=Principal(key_id=record.key_id, role=record.role),
            expires_at=None if record.expires_at is None else record.expires_at.timestamp(),
            revoked=record.revoked_at is not None,
        )
        if len(self._cache) >= MAX_CACHED_KEYS:
            self._cache.clear()
        self._cache[key_id] = entry
        return entry

    async def names_a_real_key(self, api_key: str) -> bool:
        """Return True if `api_key` names an existing key id (its secret is not checked).

        The ids are read once per change of the store, never per call: a caller
        cannot make this cost a lookup by sending made-up ids.
        """
        parts = split_api_key(api_key)
        if parts is None:
            return False
        self.refresh()
        if self._real_ids is None or self._real_ids_epoch != self.epoch:
            self._real_ids = frozenset(record.key_id for record in await self._store.list_keys())
            self._real_ids_epoch = self.epoch
        return parts[0] in self._real_ids
