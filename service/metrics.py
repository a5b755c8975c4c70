"""Register exactly the catalog's metrics and give the service cheap, pre-bound tallies.

The request path updates about fourteen series per request. prometheus_client's
`inc` and `observe` take a lock and make several calls each; here the hot
series are plain integers and floats in lists, only touched on the event loop,
and a collector per metric turns them into the same families at scrape time.
The exposition is byte-for-byte what prometheus_client's own Counter, Gauge
and Histogram would write (tests/service/test_metrics_tally.py compares them).
"""

from __future__ import annotations

import platform
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Info, disable_created_metrics
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString

from obs.catalog import Catalog, MetricSpec
from obs.catalog.metrics import METRIC_PREFIX
from service import __version__

# Documented fallbacks for label values outside the catalog's allowed set.
FALLBACK_METHOD = "OTHER"
FALLBACK_ROUTE = "unmatched"

# The action result a client sees for each way a request leaves the pipeline.
_RESULT_OF_OUTCOME = {"success": "SUCCESS", "failed": "FAILED", "denied": "BLOCKED"}
# Written from the audit writer's thread, and rare: it stays a locked prometheus_client Counter.
_LOCKED = frozenset({"audit_write_errors_total"})
_INF = float("inf")


class MetricsBindingError(ValueError):
    """The catalog lacks a metric (or label) the service needs; names the catalog entry."""


class _Tally:
    """One catalog metric's series, one slot per label combination in catalog order."""

    def __init__(self, spec: MetricSpec) -> None:
        self.spec = spec
        self._combinations = [tuple(c.values()) for c in spec.label_combinations()]
        names = spec.label_names
        # Keyed as the service looks series up: the value itself for one label.
        self.slots: dict[Any, int] = {
            (combo[0] if len(names) == 1 else combo): slot
            for slot, combo in enumerate(self._combinations)
        }

    def describe(self) -> list[Metric]:
        """Return the family without reading values (for the registry's name check)."""
        return self.collect()

    def collect(self) -> list[Metric]:
        """Return the metric family with every label combination's current value."""
        raise NotImplementedError


class CounterTally(_Tally):
    """A counter family as plain integers."""

    def __init__(self, spec: MetricSpec) -> None:
        super().__init__(spec)
        self.values = [0] * len(self._combinations)

    def incrementer(self, key: Any) -> Callable[[], None]:
        """Return one call adding 1 to the series `key` (for series counted on every request)."""
        values, slot = self.values, self.slots[key]

        def inc() -> None:
            values[slot] += 1

        return inc

    def collect(self) -> list[Metric]:
        """Return the counter family."""
        family = CounterMetricFamily(self.spec.name, self.spec.help, labels=self.spec.label_names)
        for combination, value in zip(self._combinations, self.values, strict=True):
            family.add_metric(combination, float(value))
        return [family]


class GaugeTally(_Tally):
    """A gauge without labels as one integer (the in-flight count)."""

    def __init__(self, spec: MetricSpec) -> None:
        super().__init__(spec)
        if spec.label_names:
            raise MetricsBindingError(f"catalog metric {spec.name!r} must have no labels")
        self.value = 0

    def inc(self) -> None:
        """Add one."""
        self.value += 1

    def dec(self) -> None:
        """Take one away."""
        self.value -= 1

    def collect(self) -> list[Metric]:
        """Return the gauge family."""
        family = GaugeMetricFamily(self.spec.name, self.spec.help, labels=())
        family.add_metric((), float(self.value))
        return [family]


class HistogramTally(_Tally):
    """A histogram family: per series, one count per bucket (not cumulative) and a sum."""

    def __init__(self, spec: MetricSpec) -> None:
        super().__init__(spec)
        bounds = [float(bound) for bound in spec.buckets]
        if not bounds or bounds[-1] != _INF:
            bounds.append(_INF)
        self.bounds = bounds
        self._le: list[str] = [floatToGoString(bound) for bound in bounds]  # type: ignore[no-untyped-call]
        self.counts = [[0] * len(bounds) for _ in self._combinations]
        self.sums = [0.0] * len(self._combinations)

    def observe(self, slot: int, value: float) -> None:
        """Count `value` in its bucket (the first bound >= it, as prometheus_client does)."""
        self.counts[slot][bisect_left(self.bounds, value)] += 1
        self.sums[slot] += value

    def collect(self) -> list[Metric]:
        """Return the histogram family with cumulative buckets, count and sum."""
        family = HistogramMetricFamily(self.spec.name, self.spec.help, labels=self.spec.label_names)
        for combination, counts, total in zip(
            self._combinations, self.counts, self.sums, strict=True
        ):
            buckets = []
            running = 0.0
            for le, count in zip(self._le, counts, strict=True):
                running += count
                buckets.append((le, running))
            family.add_metric(combination, buckets, total)
        return [family]


_TALLIES: dict[str, type[_Tally]] = {
    "counter": CounterTally,
    "gauge": GaugeTally,
    "histogram": HistogramTally,
}


def register_catalog(catalog: Catalog, registry: CollectorRegistry) -> dict[str, Any]:
    """Register every catalog metric on `registry`, in catalog order; return them by name.

    Counters, gauges and histograms are tallies; the audit error counter and
    the build info stay prometheus_client collectors.
    """
    # `_created` series double the exposition for no dashboard or alert we have.
    disable_created_metrics()  # type: ignore[no-untyped-call]
    by_name: dict[str, Any] = {}
    for spec in catalog.metrics:
        short = spec.name.removeprefix(METRIC_PREFIX)
        collector: Any
        if spec.type == "info":
            collector = Info(spec.base_name, spec.help, registry=registry)
            collector.info({"version": __version__, "python_version": platform.python_version()})
        elif short in _LOCKED:
            collector = _locked(spec, registry)
        else:
            collector = _TALLIES[spec.type](spec)
            registry.register(collector)
        by_name[short] = collector
    return by_name


def _locked(spec: MetricSpec, registry: CollectorRegistry) -> Counter:
    if spec.type != "counter" or spec.label_names:
        raise MetricsBindingError(f"catalog metric {spec.name!r} must be a counter without labels")
    return Counter(spec.base_name, spec.help, registry=registry)


class ServiceMetrics:
    """The service's metric tallies, bound once at start; methods map unknown values."""

    def __init__(self, catalog: Catalog, registry: CollectorRegistry) -> None:
        collectors = register_catalog(catalog, registry)

        def get(short_name: str, expected: type[Any]) -> Any:
            collector = collectors.get(short_name)
            if not isinstance(collector, expected):
                raise MetricsBindingError(
                    f"catalog metric {METRIC_PREFIX + short_name!r} is missing or not a "
                    f"{expected.__name__}"
                )
            return collector

        self._http_requests: CounterTally = get("http_requests_total", CounterTally)
        self._http_duration: HistogramTally = get("http_request_duration_seconds", HistogramTally)
        labels = self._http_requests.spec.labels
        self._methods = frozenset(labels["method"])
        self.routes = frozenset(labels["route"])
        self._statuses = frozenset(labels["status"])
        self._pipeline: CounterTally = get("pipeline_requests_total", CounterTally)
        self._gates: CounterTally = get("gate_decisions_total", CounterTally)
        self.gate_reasons = frozenset(self._gates.spec.labels["reason"])
        self._executor_calls: CounterTally = get("executor_calls_total", CounterTally)
        self._executor_duration: HistogramTally = get("executor_duration_seconds", HistogramTally)
        self.executor_ids = frozenset(self._executor_calls.spec.labels["executor"])
        self._results: CounterTally = get("action_results_total", CounterTally)
        self.in_flight: GaugeTally = get("requests_in_flight", GaugeTally)
        self._audit_errors: Counter = get("audit_write_errors_total", Counter)
        get("build_info", Info)

    def route_label(self, template: str | None) -> str:
        """Return the route label for a route template (unknown ones become `unmatched`)."""
        return template if template is not None and template in self.routes else FALLBACK_ROUTE

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        status_label = str(status)
        if status_label not in self._statuses:
            # The catalog lists every status the service produces; anything else
            # (a proxy-level oddity) is folded into its class's generic code.
            status_label = "500" if status >= 500 else "400"
        if method not in self._methods:
            method = FALLBACK_METHOD
        requests = self._http_requests
        requests.values[requests.slots[(method, route, status_label)]] += 1
        self._http_duration.observe(self._http_duration.slots[route], seconds)

    def http_route(self, route: str) -> RouteMetrics:
        """Return the HTTP request metrics of one route label, pre-bound."""
        return RouteMetrics(self, route)

    def gate_counter(self, gate: str, decision: str, reason: str) -> Callable[[], None]:
        """Return the increment of one gate decision series (for decisions on every request)."""
        return self._gates.incrementer((gate, decision, reason))

    def count_gate(self, gate: str, decision: str, reason: str) -> None:
        """Count one gate decision."""
        gates = self._gates
        gates.values[gates.slots[(gate, decision, reason)]] += 1

    def outcome_counter(self, outcome: str) -> Callable[[], None]:
        """Return one call counting a request leaving the pipeline with `outcome`.

        It counts both the pipeline outcome and the action result it implies
        (success -> SUCCESS, failed -> FAILED, denied -> BLOCKED).
        """
        pipeline, pipeline_slot = self._pipeline.values, self._pipeline.slots[outcome]
        results = self._results
        result, result_slot = results.values, results.slots[_RESULT_OF_OUTCOME[outcome]]

        def count() -> None:
            pipeline[pipeline_slot] += 1
            result[result_slot] += 1

        return count

    def count_pipeline(self, outcome: str) -> None:
        """Count one request that left the pipeline as success, denied or failed."""
        self._pipeline.values[self._pipeline.slots[outcome]] += 1

    def count_result(self, status: str) -> None:
        """Count one action result returned to a client (SUCCESS, FAILED, BLOCKED)."""
        self._results.values[self._results.slots[status]] += 1

    def observe_executor(self, executor_id: str, outcome: str, seconds: float) -> None:
        """Count one executor call with its outcome and run time."""
        calls = self._executor_calls
        calls.values[calls.slots[(executor_id, outcome)]] += 1
        duration = self._executor_duration
        duration.observe(duration.slots[executor_id], seconds)

    def count_audit_write_errors(self, events: int) -> None:
        """Count audit events that could not be written."""
        self._audit_errors.inc(events)


class RouteMetrics:
    """One route's request counter slots by (method, status), and its latency histogram."""

    __slots__ = (
        "_bounds",
        "_buckets",
        "_metrics",
        "_requests",
        "_slot",
        "_slots",
        "_sums",
        "route",
    )

    def __init__(self, metrics: ServiceMetrics, route: str) -> None:
        self.route = route
        self._metrics = metrics
        requests = metrics._http_requests
        self._requests = requests.values
        self._slots = {
            (method, int(status)): requests.slots[(method, route, status)]
            for method in metrics._methods
            for status in metrics._statuses
        }
        duration = metrics._http_duration
        self._slot = duration.slots[route]
        self._bounds = duration.bounds
        self._buckets = duration.counts[self._slot]
        self._sums = duration.sums

    def observe(self, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        slot = self._slots.get((method, status))
        if slot is None:  # a method or status outside the catalog: map it
            self._metrics.observe_http(method, self.route, status, seconds)
            return
        self._requests[slot] += 1
        self._buckets[bisect_left(self._bounds, seconds)] += 1
        self._sums[self._slot] += seconds
