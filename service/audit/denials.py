"""Bound the audit volume of refused unauthenticated requests: one in full, the rest counted.

A flood of requests without a valid credential must neither fill the disk nor
force an fsync per request. Per client address and reason, the first refusal
of each window is written in full, as any request is (so one bad request is
still findable by its id); later ones in the window are only counted, neither
written nor synced, and when the window closes one DENIALS_SUMMARISED event
says how many there were.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from service.audit.writer import AuditWriter, encode_event
from service.gates.trace import new_trace_id

DENIAL_WINDOW_SECONDS = 10.0
# Sources tracked at once; when full, every open window is summarised and forgotten.
MAX_TRACKED_SOURCES = 10_000


@dataclass
class _Window:
    status: int
    first_trace_id: str
    opened: float
    suppressed: int = 0


class DenialSummary:
    """Decide which refused unauthenticated requests are written in full; count the rest."""

    def __init__(
        self,
        audit: AuditWriter,
        *,
        window_seconds: float = DENIAL_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._audit = audit
        self._window = window_seconds
        self._clock = clock
        self._open: dict[tuple[str, str], _Window] = {}
        self._timer: asyncio.TimerHandle | None = None
        self.suppressed_total = 0

    def write_in_full(self, source: str, reason: str, status: int, trace_id: str) -> bool:
        """Return True for the window's first refusal; count (and return False) for the rest."""
        now = self._clock()
        key = (source, reason)
        window = self._open.get(key)
        if window is not None and now - window.opened < self._window:
            window.suppressed += 1
            self.suppressed_total += 1
            return False
        if window is not None:
            self._summarise(key, window)
        elif len(self._open) >= MAX_TRACKED_SOURCES:
            self.flush()
        self._open[key] = _Window(status, trace_id, now)
        self._arm()
        return True

    def flush(self) -> None:
        """Summarise every open window now (at shutdown, or when too many are open)."""
        for key, window in self._open.items():
            self._summarise(key, window)
        self._open.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self) -> None:
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._window, self._expire)

    def _expire(self) -> None:
        self._timer = None
        now = self._clock()
        for key, window in list(self._open.items()):
            if now - window.opened >= self._window:
                self._summarise(key, window)
                del self._open[key]
        if self._open:
            self._arm()

    def _summarise(self, key: tuple[str, str], window: _Window) -> None:
        if window.suppressed == 0:
            return
        source, reason = key
        fields = {
            "client": source,
            "reason": reason,
            "status": window.status,
            "count": window.suppressed,
            "window_seconds": self._window,
            "first_trace_id": window.first_trace_id,
        }
        self._audit.append(encode_event(new_trace_id(), "DENIALS_SUMMARISED", fields), 1)
        self._audit.write_soon()
