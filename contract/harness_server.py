"""A small aiohttp server the harness runs in a thread of its own, as a stack component."""

from __future__ import annotations

import abc
import asyncio
import threading
from datetime import UTC, datetime

from aiohttp import web

from contract.errors import HarnessError
from contract.progress import Progress
from contract.runtime.base import Component, Launch
from contract.spec import Endpoint

START_TIMEOUT_SECONDS = 10.0


class HarnessServer(Component):
    """Serve `routes()` on a loopback (or run-network gateway) port from a harness thread."""

    def __init__(self, launch: Launch, progress: Progress, listen: Endpoint, public: Endpoint):
        super().__init__(launch, progress)
        self._listen = listen
        self._public = public
        self._lock = threading.Lock()
        self._log: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._failure: str | None = None

    @abc.abstractmethod
    def routes(self, app: web.Application) -> None:
        """Add the server's routes to app."""

    @property
    def base_url(self) -> str:
        return self._public.url()

    def logs(self) -> str:
        with self._lock:
            return "\n".join(self._log) + ("\n" if self._log else "")

    def exit_status(self) -> str | None:
        if self._failure is not None:
            return self._failure
        if self._thread is None or not self._thread.is_alive():
            return f"{self.name} thread is not running"
        return None

    def note(self, line: str) -> None:
        """Add a timestamped line to the component's log."""
        with self._lock:
            self._log.append(f"{datetime.now(UTC).isoformat(timespec='milliseconds')} {line}")

    async def _ready(self, _: web.Request) -> web.Response:
        return web.Response(text="ready")

    def _serve(self, started: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_get("/-/ready", self._ready)
        self.routes(app)
        runner = web.AppRunner(app, access_log=None)
        try:
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, self._listen.host, self._listen.port, reuse_address=False)
            loop.run_until_complete(site.start())
        except OSError as exc:
            self._failure = f"cannot listen on {self._listen.netloc}: {exc.strerror}"
            started.set()
            loop.close()
            return
        self.note(f"listening on {self._listen.netloc}")
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    def _spawn(self) -> None:
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(started,), name=self.name, daemon=True
        )
        self._thread.start()
        if not started.wait(START_TIMEOUT_SECONDS):
            raise HarnessError(self.name, "server thread did not start")

    def _terminate(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(START_TIMEOUT_SECONDS)
        self._thread = None
