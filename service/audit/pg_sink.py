"""The audit log in PostgreSQL: the same JSON events, appended to one table every replica shares.

Durability keeps its promises: in fsync mode a request is answered only after the
transaction holding its events committed (synchronous_commit on: the WAL is flushed
on the server); buffered mode commits a batch at least every 0.2 s. A failed
transaction writes nothing, so unlike a file there is no torn line: the batch waits
in memory (up to MAX_BACKLOG_EVENTS) and is written first once the database answers,
so requests refused during an outage are audited when it returns. Only beyond that
bound are events dropped, counted and recorded by an AUDIT_GAP event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from service.audit.reader import TraceReport
from service.audit.writer import BUFFERED_FLUSH_SECONDS, AuditWriter, gap_line
from service.redact import redact_url
from service.settings import Durability
from service.storage.base import StorageError
from service.storage.pg_listener import DB_ERRORS, Connection
from service.storage.postgres import open_pool

log = logging.getLogger(__name__)

MAX_BACKLOG_EVENTS = 100_000
_HEAD = '{"trace_id":"'
_COLUMNS = ("trace_id", "event")
_READ = """
SELECT trace_id, event::text FROM audit_events
WHERE trace_id = $1 OR trace_id IN (
    SELECT trace_id FROM audit_events
    WHERE event->>'event' = 'REQUEST_START' AND event->>'correlation_id' = $1
)
ORDER BY seq
"""


def _rows(lines: list[str]) -> list[tuple[str, str]]:
    """Return (trace_id, line) per event line; the writer's lines all start with their id."""
    rows = []
    for line in "".join(lines).split("\n"):
        if not line:
            continue
        if line.startswith(_HEAD):
            trace_id = line[len(_HEAD) : line.index('"', len(_HEAD))]
        else:
            trace_id = str(json.loads(line)["trace_id"])
        rows.append((trace_id, line))
    return rows


async def _append(conn: Connection, rows: list[tuple[str, str]]) -> None:
    await conn.copy_records_to_table("audit_events", records=rows, columns=_COLUMNS)


class PostgresAuditWriter(AuditWriter):
    """The audit writer task, committing each batch to the audit_events table."""

    def __init__(
        self,
        url: str,
        *,
        durability: Durability,
        on_write_error: Callable[[int], None],
        flush_seconds: float = BUFFERED_FLUSH_SECONDS,
    ) -> None:
        self.shown = redact_url(url)
        super().__init__(
            Path("audit_events"),  # named in messages only: no file is opened
            durability=durability,
            on_write_error=on_write_error,
            flush_seconds=flush_seconds,
        )
        self._url = url
        self._pool: asyncpg.Pool | None = None
        # Rows of failed batches, oldest first, written before anything newer.
        self._backlog: list[tuple[str, str]] = []

    @property
    def healthy(self) -> bool:
        """Return False while events wait for the database or some were lost."""
        return not self._backlog and self._lost == 0

    async def start(self) -> None:
        """Connect (the schema is the key store's, migrated at its start) and start the task."""
        self._pool = await open_pool(self._url)
        # Not the base start(): it would open a file at self.path.
        self._task = asyncio.create_task(self._run(), name="audit-writer")

    async def close(self) -> None:
        """Write what is pending (if the database answers), then close the connections."""
        try:
            await super().close()
        finally:
            if self._pool is not None:
                await self._pool.close()
            if self._backlog:
                lost = len(self._backlog)
                log.error("audit log %s: %d events not written at shutdown", self.shown, lost)

    async def _wait_for_work(self) -> None:
        await super()._wait_for_work()
        if self._backlog and not self._pending:
            self._pending.append("")  # retry the backlog even when nothing new came

    async def _write_batch(self, lines: list[str]) -> bool:
        new = _rows(lines)
        rows = self._backlog + new
        if not rows:
            return True
        if self._lost:
            rows.insert(0, _rows([gap_line(self._lost)])[0])
        assert self._pool is not None
        try:
            async with self._pool.acquire() as conn:
                await _append(conn, rows)
        except DB_ERRORS as exc:
            # Counted once, when they first fail: the alert fires during the outage.
            self._on_write_error(len(new))
            self._keep(rows, exc)
            return False
        if self._backlog or self._lost:
            log.warning("audit log %s writes again: %d events caught up", self.shown, len(rows))
        self._backlog = []
        self._lost = 0
        return True

    def _keep(self, rows: list[tuple[str, str]], exc: BaseException) -> None:
        if self._lost:
            rows = rows[1:]  # the gap line is made again, with the new count
        if not self._backlog:
            log.error("audit log %s: events wait in memory: %s", self.shown, exc)
        over = len(rows) - MAX_BACKLOG_EVENTS
        if over > 0:
            rows = rows[over:]
            self._lost += over
        self._backlog = rows


async def append_events(url: str, lines: list[str]) -> None:
    """Commit encoded event lines (for short-lived writers such as the CLI)."""
    pool = await open_pool(url)
    try:
        async with pool.acquire() as conn:
            await _append(conn, _rows(lines))
    except DB_ERRORS as exc:
        raise StorageError(f"cannot write audit log {redact_url(url)}: {exc}") from None
    finally:
        await pool.close()


async def read_trace_pg(url: str, trace_id: str) -> TraceReport:
    """Return the events of request `trace_id`, or of every request it correlates, in order."""
    pool = await open_pool(url)
    try:
        rows = await pool.fetch(_READ, trace_id)
    except DB_ERRORS as exc:
        raise StorageError(f"cannot read audit log {redact_url(url)}: {exc}") from None
    finally:
        await pool.close()
    report = TraceReport()
    for row in rows:
        event: dict[str, Any] = json.loads(row["event"])
        report.requests.setdefault(row["trace_id"], []).append(event)
    return report
