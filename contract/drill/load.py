"""Bounded, paced HTTP load for the drill: named streams of requests to the backend.

One asyncio loop in a harness thread runs every stream, so a slow stream (the slow
upstream) never holds back the others. Each stream is bounded in time and count and
stops by itself; the engine refuses to run past its own ceiling.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp

from contract.errors import HarnessError

# Hard ceilings whatever a caller asks: the drill only ever sends loopback traffic.
MAX_STREAM_SECONDS = 300.0
MAX_REQUESTS_PER_STREAM = 20_000
REQUEST_TIMEOUT_SECONDS = 10.0
START_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RequestKind:
    """One kind of request a stream repeats."""

    body: str
    headers: Mapping[str, str]
    path: str = "/process"


@dataclass
class StreamReport:
    """What a stream sent and what came back (statuses only: bodies may echo payloads)."""

    name: str
    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    stopped: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "sent": self.sent,
            "statuses": dict(self.statuses),
            "seconds": round((self.stopped or time.monotonic()) - self.started, 3),
        }


class LoadEngine:
    """Run named request streams against a base URL from one background event loop."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.reports: list[StreamReport] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: dict[str, concurrent.futures.Future[None]] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> LoadEngine:
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="drill-load", daemon=True
        )
        self._thread.start()
        if not started.wait(START_TIMEOUT_SECONDS):
            raise HarnessError("drill", "the load thread did not start")
        return self

    def __exit__(self, *_: object) -> None:
        self.stop_all()
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close_session(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

    def _run(self, started: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        started.set()
        loop.run_forever()
        loop.close()

    async def _close_session(self) -> None:
        if self._session is not None:
            await self._session.close()

    def start(
        self,
        name: str,
        kind: RequestKind,
        *,
        rate: float = 0.0,
        concurrency: int = 1,
        seconds: float = MAX_STREAM_SECONDS,
    ) -> None:
        """Start a stream: `rate` requests/s (paced), or `concurrency` back-to-back loops."""
        if self._loop is None:
            raise HarnessError("drill", "the load engine is not running")
        if name in self._tasks:
            raise HarnessError("drill", f"load stream {name!r} is already running")
        report = StreamReport(name, started=time.monotonic())
        with self._lock:
            self.reports.append(report)
        budget = min(seconds, MAX_STREAM_SECONDS)
        future = asyncio.run_coroutine_threadsafe(
            self._stream(kind, report, rate, concurrency, budget), self._loop
        )
        self._tasks[name] = future

    def stop(self, name: str) -> StreamReport:
        """Stop a stream and return its report."""
        future = self._tasks.pop(name, None)
        if future is not None:
            # Cancelling the thread-safe future cancels the stream's task in its loop.
            future.cancel()
        report = next((r for r in self.reports if r.name == name), StreamReport(name))
        deadline = time.monotonic() + REQUEST_TIMEOUT_SECONDS
        while report.stopped == 0.0 and time.monotonic() < deadline and future is not None:
            time.sleep(0.02)
        return report

    def stop_all(self) -> None:
        """Stop every running stream."""
        for name in list(self._tasks):
            self.stop(name)

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
                connector=aiohttp.TCPConnector(limit=64),
            )
        return self._session

    async def _stream(
        self, kind: RequestKind, report: StreamReport, rate: float, concurrency: int, budget: float
    ) -> None:
        session = await self._client()
        deadline = time.monotonic() + budget
        try:
            if rate > 0:
                await self._paced(session, kind, report, rate, deadline)
            else:
                await asyncio.gather(
                    *(
                        self._loop_requests(session, kind, report, deadline)
                        for _ in range(concurrency)
                    )
                )
        finally:
            report.stopped = time.monotonic()

    async def _paced(
        self,
        session: aiohttp.ClientSession,
        kind: RequestKind,
        report: StreamReport,
        rate: float,
        deadline: float,
    ) -> None:
        interval = 1.0 / rate
        next_at = time.monotonic()
        pending: set[asyncio.Task[None]] = set()
        try:
            while time.monotonic() < deadline and report.sent < MAX_REQUESTS_PER_STREAM:
                task = asyncio.ensure_future(self._one(session, kind, report))
                pending.add(task)
                task.add_done_callback(pending.discard)
                next_at += interval
                await asyncio.sleep(max(next_at - time.monotonic(), 0.0))
        finally:
            for task in pending:
                task.cancel()

    async def _loop_requests(
        self,
        session: aiohttp.ClientSession,
        kind: RequestKind,
        report: StreamReport,
        deadline: float,
    ) -> None:
        while time.monotonic() < deadline and report.sent < MAX_REQUESTS_PER_STREAM:
            await self._one(session, kind, report)

    async def _one(
        self, session: aiohttp.ClientSession, kind: RequestKind, report: StreamReport
    ) -> None:
        report.sent += 1
        try:
            async with session.post(
                self.base_url + kind.path, data=kind.body, headers=dict(kind.headers)
            ) as answer:
                await answer.read()
                report.statuses[str(answer.status)] += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The backend drill stops the server on purpose: count, never raise.
            report.statuses[type(exc).__name__] += 1
            await asyncio.sleep(0.05)
