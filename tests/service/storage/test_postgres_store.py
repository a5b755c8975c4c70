"""The PostgreSQL store on a real server: the same contract as SQLite, plus versions and NOTIFY."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from service.credentials.keys import create_key
from service.credentials.sessions import create_session
from service.storage import SqliteKeyStore, StorageError, postgres
from service.storage.base import SchemaTooNew
from service.storage.pg_listener import CHANNEL, LISTENER_NAME
from service.storage.pg_schema import SCHEMA_VERSION, migrate
from service.storage.postgres import PostgresKeyStore, migrate_database
from service.storage.sqlite import SCHEMA_VERSION as SQLITE_VERSION
from tests.service.postgres_server import PostgresServer
from tests.service.storage.key_store_contract import assert_a_created_key_round_trips


async def _eventually(condition: object, what: str, seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not callable(condition) or not condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not within {seconds} s: {what}")
        await asyncio.sleep(0.01)


async def test_keys_and_sessions_round_trip_without_their_secrets(pg_url: str) -> None:
    store = await PostgresKeyStore.open(pg_url)
    try:
        issued = await assert_a_created_key_round_trips(store)
        with pytest.raises(ValueError, match="already exists"):
            await store.add_key(issued.record, b"x")

        now = datetime.now(UTC)
        session = await create_session(store, key_id=issued.record.key_id, ttl_seconds=60, now=now)
        found = await store.get_session(session.record.session_id)
        assert found is not None and found.record == session.record
        first = now + timedelta(seconds=1)
        ended = await store.end_session(session.record.session_id, first)
        again = await store.end_session(session.record.session_id, first + timedelta(seconds=5))
        assert ended is not None and again is not None and again.ended_at == first
        assert await store.end_session("ses_0000000000000000", first) is None

        revoked = await store.revoke_key(issued.record.key_id, first)
        later = await store.revoke_key(issued.record.key_id, first + timedelta(days=1))
        assert revoked is not None and later is not None and later.revoked_at == first
        assert await store.revoke_key("key_0000000000000000", first) is None
    finally:
        await store.close()


async def test_a_change_returns_only_once_the_other_store_heard_it(pg_url: str) -> None:
    replica_a, replica_b = await PostgresKeyStore.open(pg_url), await PostgresKeyStore.open(pg_url)
    try:
        before = replica_b.generation()
        issued = await create_key(replica_a, role="viewer")
        # No waiting here: A's write returned after B acknowledged the notice.
        assert replica_b.generation() != before, "B heard A's new key"
        before = replica_b.generation()
        await replica_a.revoke_key(issued.record.key_id, datetime.now(UTC))
        assert replica_b.generation() != before, "B heard A's revoke"
    finally:
        await replica_a.close()
        await replica_b.close()


async def test_a_listener_that_never_acknowledges_delays_a_change_by_a_bounded_wait(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "NOTICE_WAIT_SECONDS", 0.3)
    store = await PostgresKeyStore.open(pg_url)
    silent = await asyncpg.connect(pg_url, server_settings={"application_name": LISTENER_NAME})
    try:
        await silent.execute(f"LISTEN {CHANNEL}")  # counted, hears, never answers
        started = time.monotonic()
        issued = await create_key(store, role="viewer")
        assert 0.3 <= time.monotonic() - started < 3
        assert await store.get_key(issued.record.key_id) is not None
    finally:
        await silent.close()
        await store.close()


async def test_a_fresh_database_is_created_at_the_current_version(pg_url: str) -> None:
    assert (await migrate_database(pg_url)).after == SCHEMA_VERSION
    again = await migrate_database(pg_url)
    assert (again.before, again.after) == (SCHEMA_VERSION, SCHEMA_VERSION)


async def test_an_older_schema_is_upgraded_at_start(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        assert (await migrate(conn, target=1)).after == 1
        assert await conn.fetchval("SELECT to_regclass('audit_events')") is None
    finally:
        await conn.close()
    store = await PostgresKeyStore.open(pg_url)
    await store.close()
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT version FROM techno_schema") == SCHEMA_VERSION
        assert await conn.fetchval("SELECT to_regclass('audit_events')::text") == "audit_events"
    finally:
        await conn.close()


async def test_a_newer_schema_is_refused_naming_both_versions(pg_url: str) -> None:
    await migrate_database(pg_url)
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("UPDATE techno_schema SET version = $1", SCHEMA_VERSION + 1)
    finally:
        await conn.close()
    with pytest.raises(SchemaTooNew) as refused:
        await PostgresKeyStore.open(pg_url)
    assert str(refused.value).startswith(
        f"database schema version {SCHEMA_VERSION + 1} is newer than this service knows "
        f"({SCHEMA_VERSION})"
    )


def test_a_newer_sqlite_file_is_refused_naming_both_versions(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SQLITE_VERSION + 1}")
    connection.close()
    with pytest.raises(SchemaTooNew, match=f"version {SQLITE_VERSION + 1} is newer .*"
                       rf"\({SQLITE_VERSION}\)"):  # fmt: skip
        SqliteKeyStore.open(path)


async def test_the_audit_table_refuses_update_delete_and_truncate(pg_url: str) -> None:
    await migrate_database(pg_url)
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute(
            "INSERT INTO audit_events (trace_id, event) VALUES ('tr_x', '{\"trace_id\":\"tr_x\"}')"
        )
        for sql in ("UPDATE audit_events SET trace_id = 'y'", "DELETE FROM audit_events",
                    "TRUNCATE audit_events"):  # fmt: skip
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await conn.execute(sql)
        assert await conn.fetchval("SELECT count(*) FROM audit_events") == 1
    finally:
        await conn.close()


async def test_a_dead_server_is_a_storage_error_and_the_store_recovers_alone(
    pg_url: str, postgres_server: PostgresServer
) -> None:
    store = await PostgresKeyStore.open(pg_url)
    try:
        issued = await create_key(store, role="viewer")
        before = store.generation()
        postgres_server.kill()
        with pytest.raises(StorageError, match=r"127\.0\.0\.1") as failed:
            await store.get_key(issued.record.key_id)
        assert postgres_server.password not in str(failed.value)
        await _eventually(lambda: _raises(store.generation), "the listener notices the loss")
        with pytest.raises(StorageError):
            await store.ping()

        postgres_server.start()
        await _eventually(lambda: not _raises(store.generation), "the listener reconnects", 10)
        assert store.generation() != before, "caches must restart empty after an outage"
        await store.ping()
        assert await store.get_key(issued.record.key_id) is not None
    finally:
        await store.close()


def test_an_unreachable_server_fails_start_without_the_password(
    postgres_server: PostgresServer,
) -> None:
    closed = f"postgresql://techno:{postgres_server.password}@127.0.0.1:1/postgres"
    with pytest.raises(
        StorageError, match=r"cannot connect to database postgresql://techno:\*\*\*@"
    ) as refused:
        asyncio.run(PostgresKeyStore.open(closed))
    assert postgres_server.password not in str(refused.value)


def _raises(call: object) -> bool:
    assert callable(call)
    try:
        call()
    except StorageError:
        return True
    return False
