"""Wall-clock timings per phase, read by the summary and the bench."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Timings:
    """Accumulate named durations in seconds (a phase may run more than once)."""

    def __init__(self) -> None:
        self._values: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the body and add it to the phase's total, also when it raises."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, time.monotonic() - started)

    def add(self, name: str, seconds: float) -> None:
        """Add seconds to the named duration."""
        self._values[name] = round(self._values.get(name, 0.0) + seconds, 3)

    def as_dict(self) -> dict[str, float]:
        """Return a copy of every recorded duration."""
        return dict(self._values)
