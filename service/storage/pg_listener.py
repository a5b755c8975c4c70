"""Hear credential changes made by any replica: LISTEN on one connection, watched for loss."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from service.storage.base import StorageError

log = logging.getLogger(__name__)
# What a query runs on: a connection of its own, or one lent by a pool.
Connection: TypeAlias = "asyncpg.Connection[Any] | PoolConnectionProxy[Any]"

CHANNEL = "techno_credentials"
ACK_CHANNEL = "techno_credentials_ack"
# How listener connections name themselves, so a change can count who must acknowledge it.
LISTENER_NAME = "techno-change-listener"
# A listener that has not proved its connection alive for this long counts as lost: a
# half-open TCP connection (a partition, no RST) hears nothing and says nothing.
HEALTH_SECONDS = 1.0
RETRY_SECONDS = 0.25
CONNECT_TIMEOUT_SECONDS = 2.0
DB_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


class ChangeListener:
    """Count the credential changes notified on CHANNEL; fail closed while not listening.

    `generation` moves on every notification and on every loss and recovery of the
    connection (a notification sent while it was down is never delivered, so caches
    drop everything then). `check()` raises StorageError while the connection is lost.
    Every notice heard is acknowledged on ACK_CHANNEL after `generation` moved, so a
    change can wait until every listening replica has dropped its caches.
    """

    def __init__(self, url: str, shown: str) -> None:
        self._url = url
        self._shown = shown
        self.generation = 0
        self._down: str | None = "not started"
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None
        # One query at a time on the connection: the health probe and the acks.
        self._busy = asyncio.Lock()
        self._acks: set[asyncio.Task[None]] = set()
        # Changes this process made, by payload: [acks still missing, done when none].
        self._awaited: dict[str, tuple[list[int], asyncio.Future[None]]] = {}

    async def start(self) -> None:
        """Connect and LISTEN; raise StorageError if the first connection fails."""
        conn = await self._connect()
        self._task = asyncio.create_task(self._run(conn), name="pg-change-listener")

    def expect(self, payload: str, listeners: int) -> asyncio.Future[None]:
        """Return a future done once `listeners` replicas acknowledged the notice `payload`."""
        acked: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._awaited[payload] = ([listeners], acked)
        return acked

    def forget(self, payload: str) -> None:
        """Stop waiting for the acknowledgements of `payload`."""
        self._awaited.pop(payload, None)

    def check(self) -> None:
        """Raise StorageError while notifications may be missed."""
        if self._down is not None:
            raise StorageError(f"database {self._shown} unavailable: {self._down}")

    async def close(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _connect(self) -> asyncpg.Connection:
        try:
            conn: asyncpg.Connection = await asyncpg.connect(
                self._url,
                timeout=CONNECT_TIMEOUT_SECONDS,
                server_settings={"application_name": LISTENER_NAME},
            )
            await conn.add_listener(CHANNEL, self._notified)
            await conn.add_listener(ACK_CHANNEL, self._acknowledged)
        except DB_ERRORS as exc:
            raise StorageError(f"cannot listen on database {self._shown}: {exc}") from None
        if self._down is not None and self._down != "not started":
            log.warning("database %s answers again: credential caches restart empty", self._shown)
        self._down = None
        self._conn = conn
        self.generation += 1
        return conn

    async def _run(self, conn: asyncpg.Connection) -> None:
        while True:
            try:
                await self._watch(conn)
            except DB_ERRORS as exc:
                self._lose(str(exc) or type(exc).__name__)
            finally:
                self._conn = None
                conn.terminate()
            while True:
                await asyncio.sleep(RETRY_SECONDS)
                try:
                    conn = await self._connect()
                    break
                except StorageError:
                    continue

    async def _watch(self, conn: asyncpg.Connection) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), HEALTH_SECONDS)
            if lost.is_set() or conn.is_closed():
                raise ConnectionError("connection lost")
            async with self._busy:
                await conn.execute("SELECT 1", timeout=HEALTH_SECONDS)

    def _lose(self, reason: str) -> None:
        if self._down is None:
            log.error("database %s unavailable, refusing credentials: %s", self._shown, reason)
        self._down = reason
        self.generation += 1

    def _notified(self, conn: Connection, pid: int, channel: str, payload: object) -> None:
        self.generation += 1
        # Acknowledged only now that this replica's caches will drop on their next use.
        task = asyncio.get_running_loop().create_task(self._acknowledge(str(payload)))
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)

    async def _acknowledge(self, payload: str) -> None:
        conn = self._conn
        if conn is None or not payload:
            return
        # A lost connection is the watcher's to notice; the change then times out waiting.
        with contextlib.suppress(*DB_ERRORS):
            async with self._busy:
                await conn.execute("SELECT pg_notify($1, $2)", ACK_CHANNEL, payload)

    def _acknowledged(self, conn: Connection, pid: int, channel: str, payload: object) -> None:
        awaited = self._awaited.get(str(payload))
        if awaited is None:
            return
        missing, acked = awaited
        missing[0] -= 1
        if missing[0] <= 0 and not acked.done():
            acked.set_result(None)
