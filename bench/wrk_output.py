"""Parse wrk's text report (run with `--latency`) into numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.errors import BenchError

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_REQUESTS_PER_SEC = re.compile(r"^Requests/sec:\s+([0-9.]+)\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([0-9.]+)(us|ms|s|m|h),", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|75|90|99)(?:\.0+)?%\s+([0-9.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)\s*$", re.MULTILINE)
_SOCKET_ERRORS = re.compile(
    r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.MULTILINE
)


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles in milliseconds, and failures."""

    requests: int
    duration_s: float
    requests_per_s: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def failures(self) -> int:
        """Responses that were not 2xx/3xx plus connect/read/write/timeout errors."""
        return self.non_2xx + self.socket_errors


def to_milliseconds(value: str, unit: str) -> float:
    """Convert one of wrk's time figures (`4.05`, `ms`) to milliseconds."""
    try:
        return float(value) * _TIME_UNITS_MS[unit]
    except KeyError:
        raise BenchError(f"wrk output: unknown time unit {unit!r}") from None


def parse_wrk_output(text: str) -> WrkResult:
    """Read requests/s, p50/p75/p90/p99, non-2xx and socket errors from wrk's report."""
    rate = _REQUESTS_PER_SEC.search(text)
    total = _TOTAL.search(text)
    if rate is None or total is None:
        raise BenchError("wrk output has no 'Requests/sec' or 'N requests in' line:\n" + text)
    percentiles = {m[1]: to_milliseconds(m[2], m[3]) for m in _PERCENTILE.finditer(text)}
    missing = sorted({"50", "75", "90", "99"} - percentiles.keys())
    if missing:
        raise BenchError(
            f"wrk output lacks latency percentiles {missing} (was wrk run with --latency?)"
        )
    non_2xx = _NON_2XX.search(text)
    socket = _SOCKET_ERRORS.search(text)
    return WrkResult(
        requests=int(total[1]),
        duration_s=to_milliseconds(total[2], total[3]) / 1000.0,
        requests_per_s=float(rate[1]),
        p50_ms=percentiles["50"],
        p75_ms=percentiles["75"],
        p90_ms=percentiles["90"],
        p99_ms=percentiles["99"],
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )
