"""Sample a process's resident memory in a background thread while a load runs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import psutil

from bench.stats import linear_fit

MIB = 1024 * 1024


@dataclass
class RssSampler:
    """Record (seconds since start, RSS bytes) every `interval_s` until the block ends."""

    pid: int
    interval_s: float = 0.5
    samples: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        process = psutil.Process(self.pid)
        began = time.monotonic()

        def sample() -> None:
            while True:
                self.samples.append((time.monotonic() - began, process.memory_info().rss))
                if self._stop.wait(self.interval_s):
                    return

        self._thread = threading.Thread(target=sample, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def mib_at(self, fraction: float) -> float:
        """Return RSS in MiB at a fraction (0 start, 0.5 middle, 1 end) of the sampled time."""
        index = min(len(self.samples) - 1, round(fraction * (len(self.samples) - 1)))
        return round(self.samples[index][1] / MIB, 2)

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the sampled process has used so far."""
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def late_slope_mib_per_min(self) -> float:
        """Return the least-squares RSS growth over the second half of the run, MiB/min."""
        late = self.samples[len(self.samples) // 2 :]
        slope, _ = linear_fit([t for t, _ in late], [rss / MIB for _, rss in late])
        return round(slope * 60, 3)
