"""The audit log writer: one task appends JSON lines in batches, fsynced per the setting."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.gates.trace import new_trace_id
from service.settings import Durability

log = logging.getLogger(__name__)


class AuditUnavailable(Exception):
    """In fsync mode, the events of this commit could not be written and synced."""


# Buffered mode: a batch is written and fsynced at least this often, so a crash
# loses at most the events of the last BUFFERED_FLUSH_SECONDS (or MAX_BATCH_EVENTS).
BUFFERED_FLUSH_SECONDS = 0.2
MAX_BATCH_EVENTS = 1024


# Bound on the cache of encoded all-text event tails (gate x decision x key id
# ...): when full it is simply cleared.
MAX_CACHED_TAILS = 4096
_COMPACT = json.JSONEncoder(separators=(",", ":"))


class AuditClock:
    """Format UTC timestamps at millisecond precision, rendering each millisecond once."""

    def __init__(self) -> None:
        self._millis = -1
        self._second = -1
        self._prefix = ""
        self._text = ""

    def now(self) -> str:
        """Return the current time as `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
        millis = int(time.time() * 1000)
        if millis != self._millis:
            # Many events fall in the same millisecond under load: reuse its text.
            self._millis = millis
            second, fraction = divmod(millis, 1000)
            if second != self._second:
                self._second = second
                self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._text = f"{self._prefix}.{fraction:03d}Z"
        return self._text


class EventEncoder:
    """Encode audit events as JSON lines, reusing encoded pieces across events.

    This runs about eight times per request, so it avoids building a dict and
    calling json.dumps per event: the trace id is encoded once per request,
    and the encoded tail of an all-text event (a gate decision) is reused.
    test_audit_encoding proves a line parses to exactly the event emitted.
    """

    def __init__(self, clock: AuditClock | None = None) -> None:
        self._clock = AuditClock() if clock is None else clock
        self._tails: dict[tuple[Any, ...], str] = {}
        self._trace_id = ""
        self._head = ""

    def encode(self, trace_id: str, event: str, fields: dict[str, Any]) -> str:
        """Return one line (with its newline): trace_id, ts_utc, event, then the fields."""
        if trace_id != self._trace_id:
            self._trace_id = trace_id
            self._head = '{"trace_id":' + json.dumps(trace_id) + ',"ts_utc":"'
        key = (event, *fields.items())
        try:
            tail = self._tails.get(key)
        except TypeError:  # a list value: not hashable, so not cacheable either
            tail = None
        if tail is None:
            tail = self._tail(event, fields)
            if all(type(value) is str or value is None for value in fields.values()):
                if len(self._tails) >= MAX_CACHED_TAILS:
                    self._tails.clear()
                self._tails[key] = tail
        return self._head + self._clock.now() + tail

    @staticmethod
    def _tail(event: str, fields: dict[str, Any]) -> str:
        parts = ['",', '"event":', json.dumps(event)]
        for name, value in fields.items():
            kind = type(value)
            if kind is int or kind is float:
                encoded = repr(value)
            elif kind is str:
                encoded = json.dumps(value)
            else:
                encoded = _COMPACT.encode(value)
            parts.append(f',"{name}":{encoded}')
        parts.append("}\n")
        return "".join(parts)


def encode_event(trace_id: str, event: str, fields: dict[str, Any]) -> str:
    """Return one audit line for an event (for one-off writers such as the CLI)."""
    return EventEncoder().encode(trace_id, event, fields)


def append_durably(path: Path, lines: list[str]) -> None:
    """Append lines to the audit log and fsync (for short-lived writers such as the CLI)."""
    fd = open_for_append(path)
    try:
        write_all(fd, "".join(lines).encode("utf-8"))
    finally:
        os.close(fd)


def open_for_append(path: Path) -> int:
    """Open (creating) the log for appending, starting on a fresh line after a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Raw descriptor, no userspace buffer: a failed write is reported once and
    # dropped, never retried behind our back at close.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        # A crash mid-write can leave a last line without its newline; start ours
        # on a fresh line so only the torn one is unreadable (`audit` reports it).
        if path.is_file() and path.stat().st_size > 0:
            with path.open("rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    write_all(fd, b"\n")
    except OSError:
        os.close(fd)
        raise
    return fd


def write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write fewer) and fsync."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def gap_line(lost_events: int) -> str:
    """Return the AUDIT_GAP line that records, where it happened, how many events were lost."""
    return encode_event(new_trace_id(), "AUDIT_GAP", {"lost_events": lost_events})


class AuditWriter:
    """Append audit events through one writer task; `commit()` honours the durability."""

    def __init__(
        self,
        path: Path,
        *,
        durability: Durability,
        on_write_error: Callable[[int], None],
        flush_seconds: float = BUFFERED_FLUSH_SECONDS,
    ) -> None:
        self.path = path
        self.durability = durability
        self._on_write_error = on_write_error
        self._flush_seconds = flush_seconds
        self.clock = AuditClock()
        self._encoder = EventEncoder(self.clock)
        # Encoded chunks (one or more whole lines each) and how many events they hold.
        self._pending: list[str] = []
        self._pending_events = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._wakeup = asyncio.Event()
        self._closing = False
        self._fd: int | None = None
        self._task: asyncio.Task[None] | None = None
        # Events lost since the last successful write; 0 while the log is healthy.
        self._lost = 0

    @property
    def healthy(self) -> bool:
        """Return False from a failed write until a later one succeeds."""
        return self._lost == 0

    async def start(self) -> None:
        """Open the log for appending (failing loudly if impossible) and start the writer."""
        self._fd = open_for_append(self.path)
        self._task = asyncio.create_task(self._run(), name="audit-writer")

    def emit(self, trace_id: str, event: str, **fields: Any) -> None:
        """Queue one event; it is written by the writer task, in emission order."""
        self.append(self._encoder.encode(trace_id, event, fields), 1)

    def append(self, lines: str, events: int) -> None:
        """Queue already encoded lines (`events` of them, each ending in a newline)."""
        self._pending.append(lines)
        self._pending_events += events
        if self._pending_events >= MAX_BATCH_EVENTS:
            self._wakeup.set()

    def write_soon(self) -> None:
        """Have the writer write what is queued now, without anyone waiting for it."""
        self._wakeup.set()

    async def commit(self) -> None:
        """In fsync mode, wait until every event emitted so far is on disk.

        Raises AuditUnavailable when they could not be written: the caller must
        not answer as if they were.
        """
        if self.durability != "fsync" or self._task is None or self._task.done():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._wakeup.set()
        await waiter

    async def probe(self) -> bool:
        """Return False only in fsync mode, while the log fails; then each call tries a write.

        The try writes the AUDIT_GAP line, so readiness recovers without a request.
        Buffered mode answers requests through a failing log, so it stays ready.
        """
        if self.healthy or self.durability != "fsync":
            return True
        self.append("", 0)
        try:
            await self.commit()
        except AuditUnavailable:
            return False
        return True

    async def close(self) -> None:
        """Write everything still pending, then stop the writer and close the file."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def _run(self) -> None:
        while True:
            if not self._closing:
                await self._wait_for_work()
            self._wakeup.clear()
            # Everything emitted while the previous batch was being fsynced goes
            # out together: concurrent requests share one fsync.
            lines, self._pending = self._pending, []
            self._pending_events = 0
            waiters, self._waiters = self._waiters, []
            written = await self._write_batch(lines) if lines else True
            for waiter in waiters:
                if waiter.done():
                    continue
                if written:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(AuditUnavailable(str(self.path)))
            if self._closing and not self._pending:
                return

    async def _write_batch(self, lines: list[str]) -> bool:
        """Write one batch off the event loop; return False when it could not be."""
        return await asyncio.to_thread(self._write, lines)

    async def _wait_for_work(self) -> None:
        if self.durability == "fsync":
            await self._wakeup.wait()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), self._flush_seconds)

    def _write(self, lines: list[str]) -> bool:
        """Write one batch; return False (counted and logged) when it could not be."""
        data = "".join(lines)
        if self._lost:
            # The failed write may have left a torn line: start on a fresh one, so
            # this batch's first event is whole, and say how many events are missing.
            data = "\n" + gap_line(self._lost) + data
        try:
            self._reopen_if_replaced()
            assert self._fd is not None
            write_all(self._fd, data.encode("utf-8"))
        except OSError as exc:
            lost = sum(chunk.count("\n") for chunk in lines)
            self._lost += lost
            self._on_write_error(lost)
            log.error("audit log %s: %d events not written: %s", self.path, lost, exc)
            return False
        if self._lost:
            log.warning("audit log %s writes again, after %d lost events", self.path, self._lost)
            self._lost = 0
        return True

    def _reopen_if_replaced(self) -> None:
        """Reopen the path when it no longer names the open file (rotated, moved or replaced).

        Log rotation renames the file and expects the writer to start a new one at the
        path; writing on into the renamed file would send every later event where
        nobody looks. One stat per batch, not per event.
        """
        try:
            named = os.stat(self.path)
        except FileNotFoundError:
            named = None
        if self._fd is not None:
            opened = os.fstat(self._fd)
            if named is not None and (named.st_dev, named.st_ino) == (
                opened.st_dev,
                opened.st_ino,
            ):
                return
            os.close(self._fd)
            self._fd = None
        log.warning("audit log %s was replaced or removed: reopening it", self.path)
        self._fd = open_for_append(self.path)
