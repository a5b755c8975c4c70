"""The Alertmanager webhook receiver: a small aiohttp server recording every notification."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from contract.harness_server import HarnessServer
from contract.progress import Progress
from contract.runtime.base import Launch
from contract.spec import Endpoint


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

    @property
    def receiver(self) -> str:
        """Return the Alertmanager receiver that sent the payload."""
        return str(self.payload.get("receiver", ""))


class WebhookReceiver(HarnessServer):
    """Record Alertmanager webhook payloads on a loopback port, in a thread of the harness."""

    def __init__(self, launch: Launch, progress: Progress, listen: Endpoint, public: Endpoint):
        super().__init__(launch, progress, listen, public)
        self._notifications: list[Notification] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{tail:.*}", self._receive)

    def notifications(self) -> list[Notification]:
        """Return every notification received so far, oldest first."""
        with self._lock:
            return list(self._notifications)

    async def _receive(self, request: web.Request) -> web.Response:
        try:
            payload = await request.json()
        except json.JSONDecodeError:
            self.note(f"POST {request.path}: body is not JSON, refused")
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
        self.note(
            f"POST {request.path}: receiver={note.receiver} status={payload.get('status')} "
            f"alerts={names}"
        )
        with self._lock:
            self._notifications.append(note)
        return web.Response(text="ok")
