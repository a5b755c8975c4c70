"""The shared KeyStore and SessionStore: PostgreSQL through asyncpg, for several replicas."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from service.redact import redact_url
from service.storage.base import (
    KeyRecord,
    SessionRecord,
    StorageError,
    StoredKey,
    StoredSession,
)
from service.storage.pg_listener import (
    CHANNEL,
    CONNECT_TIMEOUT_SECONDS,
    DB_ERRORS,
    LISTENER_NAME,
    ChangeListener,
    Connection,
)
from service.storage.pg_schema import Migration, migrate

# A query that takes longer than this fails (503), instead of holding the request.
COMMAND_TIMEOUT_SECONDS = 5.0
POOL_MAX_SIZE = 10
R = TypeVar("R")

_SELECT = "SELECT key_id, role, name, created_at, expires_at, revoked_at"
_SELECT_SESSION = "SELECT session_id, key_id, created_at, expires_at, ended_at"
# In the changing transaction: delivered to every replica's listener at commit, never before.
_NOTIFY = f"SELECT pg_notify('{CHANNEL}', $1)"
# How long a change waits for the replicas' acknowledgements before it answers anyway.
NOTICE_WAIT_SECONDS = 1.0
_LISTENERS = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE application_name = $1 AND datname = current_database()"
)


async def open_pool(url: str) -> asyncpg.Pool:
    """Return a connection pool (the password from the URL, else PGPASSFILE or ~/.pgpass)."""
    try:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=POOL_MAX_SIZE,
            timeout=CONNECT_TIMEOUT_SECONDS,
            command_timeout=COMMAND_TIMEOUT_SECONDS,
        )
    except DB_ERRORS as exc:
        raise StorageError(f"cannot connect to database {redact_url(url)}: {exc}") from None
    return pool


async def migrate_database(url: str) -> Migration:
    """Create or upgrade the schema of the database at `url` (`python -m service migrate`)."""
    pool = await open_pool(url)
    try:
        async with pool.acquire() as conn:
            return await migrate(conn)
    except DB_ERRORS as exc:
        raise StorageError(f"cannot migrate database {redact_url(url)}: {exc}") from None
    finally:
        await pool.close()


class PostgresKeyStore:
    """Keep API keys and sessions in PostgreSQL; every change is notified to every replica."""

    def __init__(self, pool: asyncpg.Pool, listener: ChangeListener, shown: str) -> None:
        self.pool = pool
        self.shown = shown
        self._listener = listener

    @classmethod
    async def open(cls, url: str) -> PostgresKeyStore:
        """Connect, create or upgrade the schema, and start listening for changes."""
        shown = redact_url(url)
        pool = await open_pool(url)
        listener = ChangeListener(url, shown)
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
            await listener.start()
        except BaseException as exc:
            await pool.close()
            if isinstance(exc, DB_ERRORS):
                raise StorageError(f"cannot prepare database {shown}: {exc}") from None
            raise
        return cls(pool, listener, shown)

    async def add_key(self, record: KeyRecord, secret_hash: bytes) -> None:
        """Insert a new key and notify the replicas, in one transaction."""
        await self._change(
            "INSERT INTO api_keys (key_id, role, name, created_at, expires_at, revoked_at,"
            " secret_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            (
                record.key_id,
                record.role,
                record.name,
                record.created_at,
                record.expires_at,
                record.revoked_at,
                secret_hash,
            ),
            what=f"key id {record.key_id}",
        )

    async def get_key(self, key_id: str) -> StoredKey | None:
        """Look a key up by id (a primary-key read)."""
        row = await self._query(
            lambda: self.pool.fetchrow(_SELECT + ", secret_hash FROM api_keys WHERE key_id = $1",
                                       key_id)
        )  # fmt: skip
        if row is None:
            return None
        return StoredKey(record=_record(row), secret_hash=bytes(row["secret_hash"]))

    async def list_keys(self) -> tuple[KeyRecord, ...]:
        """Return every key, oldest first."""
        rows = await self._query(
            lambda: self.pool.fetch(_SELECT + " FROM api_keys ORDER BY created_at, key_id")
        )
        return tuple(_record(row) for row in rows)

    async def revoke_key(self, key_id: str, at: datetime) -> KeyRecord | None:
        """Set revoked_at once (a second revoke keeps the first time), notify, return the key."""
        row = await self._change_returning(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE key_id = $1"
            " RETURNING key_id, role, name, created_at, expires_at, revoked_at",
            (key_id, at),
        )
        return None if row is None else _record(row)

    async def add_session(self, record: SessionRecord, secret_hash: bytes) -> None:
        """Insert a new session and drop the ones that expired before it, in one transaction.

        No notification: a new session id is in no replica's cache, and the dropped ones
        are refused anyway because they expired.
        """

        async def insert(conn: Connection) -> None:
            await conn.execute("DELETE FROM sessions WHERE expires_at <= $1", record.created_at)
            await _insert_new(
                conn,
                "INSERT INTO sessions (session_id, key_id, secret_hash, created_at,"
                " expires_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6)",
                (
                    record.session_id,
                    record.key_id,
                    secret_hash,
                    record.created_at,
                    record.expires_at,
                    record.ended_at,
                ),
                f"session id {record.session_id}",
            )

        await self._transaction(insert, notify=False)

    async def get_session(self, session_id: str) -> StoredSession | None:
        """Look a session up by id (a primary-key read)."""
        row = await self._query(
            lambda: self.pool.fetchrow(
                _SELECT_SESSION + ", secret_hash FROM sessions WHERE session_id = $1", session_id
            )
        )
        if row is None:
            return None
        return StoredSession(record=_session(row), secret_hash=bytes(row["secret_hash"]))

    async def end_session(self, session_id: str, at: datetime) -> SessionRecord | None:
        """Set ended_at once (ending again keeps the first time), notify, return the session."""
        row = await self._change_returning(
            "UPDATE sessions SET ended_at = COALESCE(ended_at, $2) WHERE session_id = $1"
            " RETURNING session_id, key_id, created_at, expires_at, ended_at",
            (session_id, at),
        )
        return None if row is None else _session(row)

    def generation(self) -> int:
        """Return the count of changes heard from any replica; raise while not listening."""
        self._listener.check()
        return self._listener.generation

    async def ping(self) -> None:
        """Raise StorageError unless changes are heard and the keys table answers."""
        self._listener.check()
        await self._query(lambda: self.pool.fetchval("SELECT 1 FROM api_keys LIMIT 1"))

    async def close(self) -> None:
        """Stop listening and close every connection."""
        try:
            await self._listener.close()
        finally:
            await self.pool.close()

    async def _query(self, run: Callable[[], Awaitable[R]]) -> R:
        try:
            return await run()
        except DB_ERRORS as exc:
            raise StorageError(f"cannot read database {self.shown}: {exc}") from None

    async def _transaction(self, work: Callable[[Connection], Awaitable[R]], *, notify: bool) -> R:
        token = secrets.token_hex(8)
        acked: asyncio.Future[None] | None = None
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                result = await work(conn)
                if notify:
                    listeners = await conn.fetchval(_LISTENERS, LISTENER_NAME)
                    acked = self._listener.expect(token, int(listeners))
                    await conn.execute(_NOTIFY, token)
        except BaseException as exc:
            self._listener.forget(token)
            if isinstance(exc, DB_ERRORS):
                raise StorageError(f"cannot write database {self.shown}: {exc}") from None
            raise
        if acked is not None:
            # Answered once every replica listening at commit time said it heard the
            # change (its caches drop on their next use), or after NOTICE_WAIT_SECONDS.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(acked, NOTICE_WAIT_SECONDS)
            self._listener.forget(token)
        return result

    async def _change(self, sql: str, args: tuple[Any, ...], *, what: str) -> None:
        async def insert(conn: Connection) -> None:
            await _insert_new(conn, sql, args, what)

        await self._transaction(insert, notify=True)

    async def _change_returning(self, sql: str, args: tuple[Any, ...]) -> asyncpg.Record | None:
        async def update(conn: Connection) -> asyncpg.Record | None:
            return await conn.fetchrow(sql, *args)

        return await self._transaction(update, notify=True)


async def _insert_new(conn: Connection, sql: str, args: tuple[Any, ...], what: str) -> None:
    try:
        await conn.execute(sql, *args)
    except asyncpg.UniqueViolationError:
        raise ValueError(f"{what} already exists") from None


def _record(row: asyncpg.Record) -> KeyRecord:
    return KeyRecord(
        key_id=row["key_id"],
        role=row["role"],
        name=row["name"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


def _session(row: asyncpg.Record) -> SessionRecord:
    return SessionRecord(
        session_id=row["session_id"],
        key_id=row["key_id"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        ended_at=row["ended_at"],
    )
