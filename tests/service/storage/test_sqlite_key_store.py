"""The SQLite key store: durable, hash-only, generation moves on any connection's change."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.credentials.keys import create_key
from service.storage import SqliteKeyStore, StorageError
from tests.service.storage.key_store_contract import assert_a_created_key_round_trips


async def test_created_key_round_trips_without_its_secret(tmp_path: Path) -> None:
    store = SqliteKeyStore.open(tmp_path / "sub" / "keys.db")
    try:
        await assert_a_created_key_round_trips(store)
    finally:
        await store.close()


async def test_database_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    await SqliteKeyStore.open(path).close()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


async def test_revoke_is_idempotent_and_keeps_the_first_time(tmp_path: Path) -> None:
    store = SqliteKeyStore.open(tmp_path / "keys.db")
    try:
        issued = await create_key(store, role="viewer")
        first = datetime(2030, 1, 1, tzinfo=UTC)
        revoked = await store.revoke_key(issued.record.key_id, first)
        again = await store.revoke_key(issued.record.key_id, datetime(2031, 1, 1, tzinfo=UTC))
        assert revoked is not None and again is not None
        assert revoked.revoked_at == again.revoked_at == first
        assert not again.is_usable(datetime.now(UTC))
        assert await store.revoke_key("key_0000000000000000", first) is None
    finally:
        await store.close()


async def test_generation_moves_when_another_process_changes_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    server, cli = SqliteKeyStore.open(path), SqliteKeyStore.open(path)
    try:
        before = server.generation()
        assert server.generation() == before, "reading does not move it"
        await create_key(cli, role="viewer")
        assert server.generation() != before
    finally:
        await server.close()
        await cli.close()


async def test_duplicate_key_id_is_refused(tmp_path: Path) -> None:
    store = SqliteKeyStore.open(tmp_path / "keys.db")
    try:
        issued = await create_key(store, role="viewer")
        with pytest.raises(ValueError, match="already exists"):
            await store.add_key(issued.record, b"x" * 32)
    finally:
        await store.close()


async def test_unopenable_database_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="cannot open keys database"):
        SqliteKeyStore.open(blocker / "keys.db")


async def test_ping_fails_when_the_schema_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    store = SqliteKeyStore.open(path)
    try:
        await store.ping()
        connection = sqlite3.connect(path)
        connection.execute("DROP TABLE api_keys")
        connection.commit()
        connection.close()
        with pytest.raises(StorageError):
            await store.ping()
    finally:
        await store.close()
