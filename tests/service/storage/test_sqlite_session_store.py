"""The SQLite session store: hash only, ending is final, expired rows do not pile up."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.credentials.keys import create_key
from service.storage import SessionRecord, SqliteKeyStore

START = datetime(2030, 1, 1, tzinfo=UTC)


def _session(session_id: str, key_id: str, created_at: datetime, ttl: float) -> SessionRecord:
    return SessionRecord(
        session_id=session_id,
        key_id=key_id,
        created_at=created_at,
        expires_at=created_at + timedelta(seconds=ttl),
        ended_at=None,
    )


async def test_a_session_round_trips_and_ends_once(tmp_path: Path) -> None:
    store = SqliteKeyStore.open(tmp_path / "keys.db")
    try:
        key = await create_key(store, role="viewer")
        record = _session("ses_0000000000000001", key.record.key_id, START, 600)
        await store.add_session(record, b"h" * 32)
        stored = await store.get_session(record.session_id)
        assert stored is not None and stored.record == record and stored.secret_hash == b"h" * 32
        assert await store.get_session("ses_0000000000000009") is None
        first = await store.end_session(record.session_id, START + timedelta(seconds=5))
        again = await store.end_session(record.session_id, START + timedelta(seconds=9))
        assert first is not None and again is not None
        assert first.ended_at == again.ended_at == START + timedelta(seconds=5)
        assert await store.end_session("ses_0000000000000009", START) is None
        with pytest.raises(ValueError, match="already exists"):
            await store.add_session(record, b"x" * 32)
    finally:
        await store.close()


async def test_creating_a_session_drops_the_expired_ones(tmp_path: Path) -> None:
    store = SqliteKeyStore.open(tmp_path / "keys.db")
    try:
        key_id = (await create_key(store, role="viewer")).record.key_id
        await store.add_session(_session("ses_0000000000000001", key_id, START, 60), b"a" * 32)
        await store.add_session(_session("ses_0000000000000002", key_id, START, 600), b"b" * 32)
        later = START + timedelta(seconds=60)
        await store.add_session(_session("ses_0000000000000003", key_id, later, 60), b"c" * 32)
        assert await store.get_session("ses_0000000000000001") is None, "expired at `later`"
        assert await store.get_session("ses_0000000000000002") is not None
        assert await store.get_session("ses_0000000000000003") is not None
    finally:
        await store.close()


async def test_a_version_1_database_gains_the_sessions_table(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    old = SqliteKeyStore.open(path)
    key = await create_key(old, role="viewer")
    await old.close()
    connection = sqlite3.connect(path)
    connection.execute("DROP TABLE sessions")
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()

    store = SqliteKeyStore.open(path)
    try:
        assert await store.get_key(key.record.key_id) is not None, "keys survive the upgrade"
        record = _session("ses_0000000000000001", key.record.key_id, START, 600)
        await store.add_session(record, b"h" * 32)
        assert await store.get_session(record.session_id) is not None
    finally:
        await store.close()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2
    finally:
        connection.close()
