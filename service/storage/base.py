"""The storage adapter interfaces: what the service needs to keep across restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class KeyRecord:
    """An API key as listed to operators: everything except its secret."""

    key_id: str
    role: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def is_usable(self, now: datetime) -> bool:
        """Return True if the key is neither revoked nor expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class StoredKey:
    """A key record with the hash of its secret, as the verifier needs it."""

    record: KeyRecord
    secret_hash: bytes


class KeyStore(Protocol):
    """Persist API keys. Implementations must never see or keep a plaintext secret."""

    async def add_key(self, record: KeyRecord, secret_hash: bytes) -> None:
        """Store a new key; raise ValueError if the key id already exists."""
        ...

    async def get_key(self, key_id: str) -> StoredKey | None:
        """Return the key with this id (revoked and expired ones included) or None."""
        ...

    async def list_keys(self) -> tuple[KeyRecord, ...]:
        """Return every key, oldest first."""
        ...

    async def revoke_key(self, key_id: str, at: datetime) -> KeyRecord | None:
        """Mark a key revoked (idempotent); return it, or None if there is no such key."""
        ...

    def generation(self) -> int:
        """Return a number that changes whenever any process changed the keys."""
        ...

    async def ping(self) -> None:
        """Raise StorageError unless the store answers a trivial query."""
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...


@dataclass(frozen=True)
class SessionRecord:
    """A session derived from an API key: everything except its secret."""

    session_id: str
    key_id: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class StoredSession:
    """A session record with the hash of its secret, as the verifier needs it."""

    record: SessionRecord
    secret_hash: bytes


class SessionStore(Protocol):
    """Persist sessions next to their keys; never a plaintext secret."""

    async def add_session(self, record: SessionRecord, secret_hash: bytes) -> None:
        """Store a new session; raise ValueError if its id exists.

        Sessions that expired before `record.created_at` may be dropped in the
        same write: they are refused anyway, and this keeps the table small.
        """
        ...

    async def get_session(self, session_id: str) -> StoredSession | None:
        """Return the session with this id (ended and expired ones included) or None."""
        ...

    async def end_session(self, session_id: str, at: datetime) -> SessionRecord | None:
        """Mark a session ended (idempotent); return it, or None if there is no such session."""
        ...


class StorageError(RuntimeError):
    """The store could not be reached or answered with an error."""


class SchemaTooNew(StorageError):
    """The database was migrated by a newer service than this one."""

    def __init__(self, found: int, known: int) -> None:
        self.found = found
        self.known = known
        super().__init__(
            f"database schema version {found} is newer than this service knows ({known}): "
            "run a service at least as new as the one that migrated it"
        )


class CredentialStore(KeyStore, SessionStore, Protocol):
    """One store of keys and their sessions (SQLite embedded, or PostgreSQL shared)."""
