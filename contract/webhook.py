"""The Alertmanager webhook receiver: a small aiohttp server recording every notification."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from contract.errors import HarnessError
from contract.progress import Progress
from contract.runtime.base import Component, Launch
from contract.spec import Endpoint

START_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Notification:
    """One webhook payload Alertmanager delivered."""

    received_monotonic: float
    received_utc: str
    path: str
    payload: dict[str, Any]

    def alerts(self) -> list[dict[str, Any]]:
        """Return the alerts the payload carries."""
        return list(self.payload.get("alerts") or [])


class WebhookReceiver(Component):
    """Record Alertmanager webhook payloads on a loopback port, in a thread of the harness."""

    def __init__(self, launch: Launch, progress: Progress, listen: Endpoint, public: Endpoint):
        super().__init__(launch, progress)
        self._listen = listen
        self._public = public
        self._lock = threading.Lock()
        self._notifications: list[Notification] = []
        self._log: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._failure: str | None = None

    @property
    def base_url(self) -> str:
        return self._public.url()

    def notifications(self) -> list[Notification]:
        """Return every notification received so far, oldest first."""
        with self._lock:
            return list(self._notifications)

    def logs(self) -> str:
        with self._lock:
            return "\n".join(self._log) + ("\n" if self._log else "")

    def exit_status(self) -> str | None:
        if self._failure is not None:
            return self._failure
        if self._thread is None or not self._thread.is_alive():
            return "receiver thread is not running"
        return None

    def _note(self, line: str) -> None:
        with self._lock:
            self._log.append(f"{datetime.now(UTC).isoformat(timespec='milliseconds')} {line}")

    async def _receive(self, request: web.Request) -> web.Response:
        try:
            payload = await request.json()
        except json.JSONDecodeError:
            self._note(f"POST {request.path}: body is not JSON, refused")
            return web.Response(status=400, text="body must be JSON")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="body must be a JSON object")
        note = Notification(
            received_monotonic=time.monotonic(),
            received_utc=datetime.now(UTC).isoformat(timespec="milliseconds"),
            path=request.path,
            payload=payload,
        )
        names = sorted({str(a.get("labels", {}).get("alertname")) for a in note.alerts()})
        self._note(f"POST {request.path}: status={payload.get('status')} alerts={names}")
        with self._lock:
            self._notifications.append(note)
        return web.Response(text="ok")

    async def _ready(self, _: web.Request) -> web.Response:
        return web.Response(text="ready")

    def _serve(self, started: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_get("/-/ready", self._ready)
        app.router.add_post("/{tail:.*}", self._receive)
        runner = web.AppRunner(app, access_log=None)
        self._runner = runner
        try:
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, self._listen.host, self._listen.port, reuse_address=False)
            loop.run_until_complete(site.start())
        except OSError as exc:
            self._failure = f"cannot listen on {self._listen.netloc}: {exc.strerror}"
            started.set()
            loop.close()
            return
        self._note(f"listening on {self._listen.netloc}")
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    def _spawn(self) -> None:
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(started,), name="webhook-receiver", daemon=True
        )
        self._thread.start()
        if not started.wait(START_TIMEOUT_SECONDS):
            raise HarnessError(self.name, "receiver thread did not start")

    def _terminate(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(START_TIMEOUT_SECONDS)
        self._thread = None
