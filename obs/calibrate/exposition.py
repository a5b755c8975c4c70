"""Read the backend's own /metrics: one histogram's buckets and one counter's series."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

LATENCY_METRIC = "techno_http_request_duration_seconds"
REQUESTS_METRIC = "techno_http_requests_total"
ROUTE = "/process"


@dataclass(frozen=True)
class Snapshot:
    """Cumulative counts at one moment: latency buckets (le -> count) and statuses."""

    buckets: Mapping[float, float]
    statuses: Mapping[str, float]

    def minus(self, earlier: Snapshot) -> Snapshot:
        """Return what happened between earlier and this snapshot (a counter reset is refused)."""
        buckets = {le: n - earlier.buckets.get(le, 0.0) for le, n in self.buckets.items()}
        statuses = {s: n - earlier.statuses.get(s, 0.0) for s, n in self.statuses.items()}
        if any(v < 0 for v in (*buckets.values(), *statuses.values())):
            raise ValueError(
                "a counter went backwards between two scrapes: did the backend restart?"
            )
        return Snapshot(buckets, statuses)

    @property
    def count(self) -> float:
        return self.buckets.get(math.inf, 0.0)


def snapshot(text: str, route: str = ROUTE) -> Snapshot:
    """Parse an exposition and keep the route's latency buckets and answered statuses."""
    buckets: dict[float, float] = {}
    statuses: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("route") != route:
                continue
            if sample.name == LATENCY_METRIC + "_bucket":
                le = float(sample.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + sample.value
            elif sample.name == REQUESTS_METRIC:
                status = sample.labels.get("status", "")
                statuses[status] = statuses.get(status, 0.0) + sample.value
    if not buckets:
        raise ValueError(f"no {LATENCY_METRIC}_bucket series for route {route!r} in /metrics")
    return Snapshot(buckets, statuses)


def quantile(q: float, buckets: Mapping[float, float]) -> float:
    """Return the q-quantile of cumulative buckets the way histogram_quantile() does.

    Linear interpolation inside the bucket holding the rank; a rank in the +Inf bucket
    answers the highest finite bound. NaN when the histogram holds no observation.
    """
    bounds = sorted(buckets)
    total = buckets.get(math.inf, 0.0)
    if total <= 0 or not bounds:
        return math.nan
    rank = q * total
    lower, below = 0.0, 0.0
    for le in bounds:
        count = buckets[le]
        if count >= rank:
            if math.isinf(le):
                return lower
            if count == below:
                return le
            return lower + (le - lower) * (rank - below) / (count - below)
        lower, below = le, count
    return lower
