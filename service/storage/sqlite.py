"""The embedded default KeyStore and SessionStore: one SQLite file in WAL mode, no set-up."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from service.storage.base import (
    KeyRecord,
    SchemaTooNew,
    SessionRecord,
    StorageError,
    StoredKey,
    StoredSession,
)

# 2 added the sessions table; CREATE IF NOT EXISTS upgrades a version 1 file in place.
SCHEMA_VERSION = 2
_TABLES = (
    """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    name        TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
)
""",
    # Times are ISO 8601 UTC text of one shape, so text order is time order.
    """
CREATE TABLE IF NOT EXISTS sessions (
    session_id  TEXT PRIMARY KEY,
    key_id      TEXT NOT NULL REFERENCES api_keys (key_id),
    secret_hash BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT
)
""",
)
R = TypeVar("R")


def _create_schema(conn: sqlite3.Connection) -> None:
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(found, SCHEMA_VERSION)
    for table in _TABLES:
        conn.execute(table)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


_SELECT = "SELECT key_id, role, name, created_at, expires_at, revoked_at"
_SELECT_SESSION = "SELECT session_id, key_id, created_at, expires_at, ended_at"


class SqliteKeyStore:
    """Keep API keys and their sessions in SQLite; reads run inline, writes in a worker thread."""

    def __init__(self, path: Path, reader: sqlite3.Connection) -> None:
        self.path = path
        self._reader = reader

    @classmethod
    def open(cls, path: Path) -> SqliteKeyStore:
        """Open (creating if needed) the database at `path` and make sure the schema exists."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _run_write(path, _create_schema)
            reader = _connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open keys database {path}: {exc}") from exc
        return cls(path, reader)

    async def add_key(self, record: KeyRecord, secret_hash: bytes) -> None:
        """Insert a new key in its own durable transaction."""
        row = (
            record.key_id,
            record.role,
            record.name,
            record.created_at.isoformat(),
            _iso(record.expires_at),
            _iso(record.revoked_at),
            secret_hash,
        )

        def insert(conn: sqlite3.Connection) -> None:
            _insert_new(
                conn,
                "INSERT INTO api_keys (key_id, role, name, created_at, expires_at, revoked_at,"
                " secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
                f"key id {record.key_id}",
            )

        await self._write(insert)

    async def get_key(self, key_id: str) -> StoredKey | None:
        """Look a key up by id on the reader connection (an indexed primary-key read)."""
        rows = self._read(_SELECT + ", secret_hash FROM api_keys WHERE key_id = ?", (key_id,))
        if not rows:
            return None
        row = rows[0]
        return StoredKey(record=_record(row[:6]), secret_hash=bytes(row[6]))

    async def list_keys(self) -> tuple[KeyRecord, ...]:
        """Return every key, oldest first."""
        rows = self._read(_SELECT + " FROM api_keys ORDER BY created_at, key_id")
        return tuple(_record(row) for row in rows)

    async def revoke_key(self, key_id: str, at: datetime) -> KeyRecord | None:
        """Set revoked_at once (a second revoke keeps the first time) and return the key."""

        def revoke(conn: sqlite3.Connection) -> KeyRecord | None:
            conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (at.isoformat(), key_id),
            )
            row = conn.execute(_SELECT + " FROM api_keys WHERE key_id = ?", (key_id,)).fetchone()
            return None if row is None else _record(row)

        return await self._write(revoke)

    async def add_session(self, record: SessionRecord, secret_hash: bytes) -> None:
        """Insert a new session and drop the ones that expired before it, in one transaction."""
        created_at = record.created_at.isoformat()
        row = (
            record.session_id,
            record.key_id,
            secret_hash,
            created_at,
            record.expires_at.isoformat(),
            _iso(record.ended_at),
        )

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (created_at,))
            _insert_new(
                conn,
                "INSERT INTO sessions (session_id, key_id, secret_hash, created_at,"
                " expires_at, ended_at) VALUES (?, ?, ?, ?, ?, ?)",
                row,
                f"session id {record.session_id}",
            )

        await self._write(insert)

    async def get_session(self, session_id: str) -> StoredSession | None:
        """Look a session up by id on the reader connection (an indexed primary-key read)."""
        rows = self._read(
            _SELECT_SESSION + ", secret_hash FROM sessions WHERE session_id = ?", (session_id,)
        )
        if not rows:
            return None
        row = rows[0]
        return StoredSession(record=_session(row[:5]), secret_hash=bytes(row[5]))

    async def end_session(self, session_id: str, at: datetime) -> SessionRecord | None:
        """Set ended_at once (ending again keeps the first time) and return the session."""

        def end(conn: sqlite3.Connection) -> SessionRecord | None:
            conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL",
                (at.isoformat(), session_id),
            )
            row = conn.execute(
                _SELECT_SESSION + " FROM sessions WHERE session_id = ?", (session_id,)
            ).fetchone()
            return None if row is None else _session(row)

        return await self._write(end)

    def generation(self) -> int:
        """Return SQLite's data_version: it changes when another connection commits."""
        # The reader never writes, so every key or session change (this
        # process's writer connections or another process's CLI) moves this number.
        row = self._reader.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    async def ping(self) -> None:
        """Run a trivial read against the keys table."""
        try:
            self._reader.execute("SELECT 1 FROM api_keys LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"keys database {self.path} not readable: {exc}") from exc

    async def close(self) -> None:
        """Close the reader connection."""
        self._reader.close()

    def _read(self, sql: str, params: tuple[str, ...] = ()) -> list[Any]:
        try:
            return self._reader.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read keys database {self.path}: {exc}") from exc

    async def _write(self, work: Callable[[sqlite3.Connection], R]) -> R:
        # A short-lived writer connection per change: key admin is rare, and a
        # durable commit (fsync) must not stall the event loop.
        return await asyncio.to_thread(_run_write, self.path, work)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5.0)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a key change is on disk when the CLI or admin API says it is done.
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def _run_write(path: Path, work: Callable[[sqlite3.Connection], R]) -> R:
    try:
        conn = _connect(path)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open keys database {path}: {exc}") from exc
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result
    except sqlite3.Error as exc:
        raise StorageError(f"cannot write keys database {path}: {exc}") from exc
    finally:
        conn.close()


def _insert_new(conn: sqlite3.Connection, sql: str, row: tuple[Any, ...], what: str) -> None:
    try:
        conn.execute(sql, row)
    except sqlite3.IntegrityError:
        raise ValueError(f"{what} already exists") from None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _record(row: tuple[Any, ...]) -> KeyRecord:
    key_id, role, name, created_at, expires_at, revoked_at = row
    return KeyRecord(
        key_id=key_id,
        role=role,
        name=name,
        created_at=datetime.fromisoformat(created_at),
        expires_at=_parse_time(expires_at),
        revoked_at=_parse_time(revoked_at),
    )


def _session(row: tuple[Any, ...]) -> SessionRecord:
    session_id, key_id, created_at, expires_at, ended_at = row
    return SessionRecord(
        session_id=session_id,
        key_id=key_id,
        created_at=datetime.fromisoformat(created_at),
        expires_at=datetime.fromisoformat(expires_at),
        ended_at=_parse_time(ended_at),
    )
