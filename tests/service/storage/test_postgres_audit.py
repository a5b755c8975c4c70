"""The audit log in PostgreSQL: same events, fsync promise, an outage waited out, bounded."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from service.audit import pg_sink
from service.audit.pg_sink import PostgresAuditWriter, read_trace_pg
from service.audit.writer import AuditUnavailable, encode_event
from service.storage.postgres import migrate_database
from tests.service.postgres_server import PostgresServer

TRACE = "tr_" + "a" * 32
OTHER = "tr_" + "b" * 32


async def _writer(url: str, errors: list[int]) -> PostgresAuditWriter:
    await migrate_database(url)
    writer = PostgresAuditWriter(url, durability="fsync", on_write_error=errors.append)
    await writer.start()
    return writer


async def _lines(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT event::text FROM audit_events ORDER BY seq")
        return [row[0] for row in rows]
    finally:
        await conn.close()


async def test_committed_events_are_the_writers_lines_found_by_trace_or_correlation_id(
    pg_url: str,
) -> None:
    writer = await _writer(pg_url, [])
    try:
        writer.emit(TRACE, "REQUEST_START", route="/process", correlation_id="caller-1")
        writer.emit(OTHER, "REQUEST_START", route="/process", correlation_id="caller-1")
        writer.emit(TRACE, "REQUEST_END", status=200, reason_codes=[])
        await writer.commit()  # fsync: committed when this returns
        stored = await _lines(pg_url)
    finally:
        await writer.close()
    # The row is the JSON line the file sink would write: same fields, same order.
    first = json.loads(stored[0])
    expected = json.loads(
        encode_event(TRACE, "REQUEST_START", {"route": "/process", "correlation_id": "caller-1"})
    )
    expected["ts_utc"] = first["ts_utc"]
    assert first == expected and list(first) == list(expected)
    own = await read_trace_pg(pg_url, TRACE)
    assert [e["event"] for e in own.events] == ["REQUEST_START", "REQUEST_END"]
    both = await read_trace_pg(pg_url, "caller-1")
    assert list(both.requests) == [TRACE, OTHER]


async def test_an_outage_fails_the_commit_and_its_events_are_written_once_it_returns(
    pg_url: str, postgres_server: PostgresServer
) -> None:
    errors: list[int] = []
    writer = await _writer(pg_url, errors)
    try:
        writer.emit(TRACE, "REQUEST_START", route="/process")
        await writer.commit()
        postgres_server.kill()
        writer.emit(TRACE, "REQUEST_END", status=503, reason_codes=["STORAGE_UNAVAILABLE"])
        with pytest.raises(AuditUnavailable):
            await writer.commit()
        assert (writer.healthy, errors) == (False, [1])
        assert not await writer.probe(), "readiness fails while the events wait"
        postgres_server.start()
        assert await writer.probe(), "a probe writes the waiting events"
        assert writer.healthy
    finally:
        await writer.close()
    events = [json.loads(line)["event"] for line in await _lines(pg_url)]
    assert events == ["REQUEST_START", "REQUEST_END"], "each event once, in order"


async def test_beyond_the_bound_the_oldest_are_dropped_and_a_gap_recorded(
    pg_url: str, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_sink, "MAX_BACKLOG_EVENTS", 3)
    writer = await _writer(pg_url, [])
    try:
        postgres_server.kill()
        for number in range(5):
            writer.emit(TRACE, "DECISION", gate=f"g{number}")
            with pytest.raises(AuditUnavailable):
                await writer.commit()
        postgres_server.start()
        assert await writer.probe()
    finally:
        await writer.close()
    events = [json.loads(line) for line in await _lines(pg_url)]
    assert events[0]["event"] == "AUDIT_GAP" and events[0]["lost_events"] == 2
    assert [e["gate"] for e in events[1:]] == ["g2", "g3", "g4"]


async def test_buffered_events_are_committed_within_the_flush_interval(pg_url: str) -> None:
    await migrate_database(pg_url)
    errors: list[int] = []
    writer = PostgresAuditWriter(
        pg_url, durability="buffered", on_write_error=errors.append, flush_seconds=0.05
    )
    await writer.start()
    try:
        writer.emit(TRACE, "REQUEST_START", route="/process")
        await writer.commit()  # buffered: returns at once, nothing waits for the database
        # 0.05 s by the setting; a second allows for a loaded machine, not for a missed flush.
        for _ in range(50):
            if await _lines(pg_url):
                break
            await asyncio.sleep(0.02)
        assert len(await _lines(pg_url)) == 1, "committed by the writer task on its own"
        assert errors == []
    finally:
        await writer.close()
