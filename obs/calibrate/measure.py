"""Measure one load step: latency quantiles, error and deny ratios, server CPU and memory."""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from obs.calibrate.exposition import LATENCY_METRIC, REQUESTS_METRIC, ROUTE, Snapshot, quantile
from obs.calibrate.exposition import snapshot as parse_snapshot
from obs.calibrate.load import StepLoad

QUANTILES = (0.5, 0.95, 0.99)
SAMPLE_SECONDS = 0.25


@dataclass(frozen=True)
class StepResult:
    """One step's figures, as the baseline file stores them."""

    offered_rps: float
    throughput_rps: float
    missed: int
    p50_s: float
    p95_s: float
    p99_s: float
    error_ratio: float
    deny_ratio: float
    cpu_percent: float
    rss_mib: float
    answered: int
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


class MetricsSource:
    """Where the histogram is read: the backend's /metrics, or a Prometheus scraping it."""

    def __init__(self, backend_url: str, prometheus_url: str | None, scrape_wait: float) -> None:
        self.backend_url = backend_url.rstrip("/")
        self.prometheus_url = prometheus_url.rstrip("/") if prometheus_url else None
        self.scrape_wait = scrape_wait

    @property
    def name(self) -> str:
        return "prometheus" if self.prometheus_url else "/metrics"

    def cumulative(self) -> Snapshot:
        return parse_snapshot(_get(self.backend_url + "/metrics"))

    def between(self, before: Snapshot, seconds: float) -> Snapshot:
        """Return the step's own counts (after minus before, or Prometheus's increase())."""
        if self.prometheus_url is None:
            return self.cumulative().minus(before)
        time.sleep(self.scrape_wait)  # the step's last answers must be scraped
        window = f"{max(1, math.ceil(seconds + self.scrape_wait))}s"
        selector = f'{{route="{ROUTE}"}}'
        buckets = self._vector(
            f"sum by (le) (increase({LATENCY_METRIC}_bucket{selector}[{window}]))", "le"
        )
        statuses = self._vector(
            f"sum by (status) (increase({REQUESTS_METRIC}{selector}[{window}]))", "status"
        )
        return Snapshot({float(k): v for k, v in buckets.items()}, statuses)

    def _vector(self, query: str, label: str) -> dict[str, float]:
        url = f"{self.prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": query})
        result = json.loads(_get(url))["data"]["result"]
        return {item["metric"].get(label, ""): float(item["value"][1]) for item in result}


def _get(url: str) -> str:
    """GET the backend or Prometheus URL the operator gave; HTTP errors raise."""
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - an http(s) URL given
        return str(answer.read().decode("utf-8"))


@contextmanager
def sampled(pid: int | None) -> Iterator[Callable[[], tuple[float, float]]]:
    """Sample the server's CPU share and peak RSS while the block runs."""
    if pid is None:
        yield lambda: (math.nan, math.nan)
        return
    import psutil  # the calibrate dependency group: `python -m obs` runs without it

    process = psutil.Process(pid)
    peak = [0.0]
    stop = threading.Event()

    def tree_rss() -> float:
        members = [process, *process.children(recursive=True)]
        return float(sum(p.memory_info().rss for p in members))

    def watch() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            peak[0] = max(peak[0], tree_rss())

    cpu_before = sum(process.cpu_times()[:2])
    began = time.monotonic()
    thread = threading.Thread(target=watch, name="calibrate-sampler", daemon=True)
    thread.start()
    figures = [math.nan, math.nan]
    try:
        yield lambda: (figures[0], figures[1])
    finally:
        stop.set()
        thread.join()
        wall = time.monotonic() - began
        cpu = sum(process.cpu_times()[:2]) - cpu_before
        figures[0] = 100.0 * cpu / wall if wall > 0 else math.nan
        figures[1] = max(peak[0], tree_rss()) / 2**20


def ratios(statuses: Mapping[str, float], failed: float = 0.0) -> tuple[float, float]:
    """Return (error ratio, deny ratio): 5xx plus transport failures, and 4xx, of all sent."""
    total = sum(statuses.values()) + failed
    if total <= 0:
        return math.nan, math.nan
    errors = sum(n for s, n in statuses.items() if s.startswith("5")) + failed
    denies = sum(n for s, n in statuses.items() if s.startswith("4"))
    return errors / total, denies / total


def step_result(
    load: StepLoad, counts: Snapshot, cpu_percent: float, rss_mib: float, source: str
) -> StepResult:
    """Combine what the generator saw with what the backend's histogram recorded."""
    q50, q95, q99 = (quantile(q, counts.buckets) for q in QUANTILES)
    # Transport failures (refused, timed out) never reach the backend's counters.
    failed = float(sum(n for s, n in load.statuses.items() if not s.isdigit()))
    error_ratio, deny_ratio = ratios(counts.statuses, failed)
    return StepResult(
        offered_rps=round(load.offered_rate, 3),
        throughput_rps=round(load.throughput, 1),
        missed=load.missed,
        p50_s=round(q50, 6),
        p95_s=round(q95, 6),
        p99_s=round(q99, 6),
        error_ratio=round(error_ratio, 5),
        deny_ratio=round(deny_ratio, 5),
        cpu_percent=round(cpu_percent, 1),
        rss_mib=round(rss_mib, 1),
        answered=load.answered,
        source=source,
    )
