"""Bracket one gated request in the audit log: REQUEST_START ... REQUEST_END, then commit."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Literal

from aiohttp import web

from service.audit.writer import AuditWriter

RequestOutcome = Literal["success", "denied", "failed"]


class RequestJournal:
    """Emit the start and end events of a request and honour the audit durability."""

    def __init__(self, audit: AuditWriter) -> None:
        self.audit = audit

    def start(self, trace_id: str, method: str, route: str) -> float:
        """Emit REQUEST_START and return the start time for `end`."""
        self.audit.emit(trace_id, "REQUEST_START", method=method, route=route)
        return time.perf_counter()

    async def end(
        self,
        trace_id: str,
        started: float,
        response: web.Response,
        outcome: RequestOutcome,
        reason_codes: Sequence[str] = (),
    ) -> web.Response:
        """Emit REQUEST_END; in fsync mode, return only once the events are on disk."""
        self.audit.emit(
            trace_id,
            "REQUEST_END",
            status=response.status,
            outcome=outcome,
            reason_codes=tuple(reason_codes),
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        await self.audit.commit()
        return response
