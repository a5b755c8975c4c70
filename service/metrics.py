"""Register exactly the catalog's metrics and give the service typed, pre-bound handles."""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
)

from obs.catalog import Catalog, MetricSpec
from obs.catalog.metrics import METRIC_PREFIX
from service import __version__

# Documented fallbacks for label values outside the catalog's allowed set.
FALLBACK_METHOD = "OTHER"
FALLBACK_ROUTE = "unmatched"

Collector = Counter | Gauge | Histogram | Info
# The action result a client sees for each way a request leaves the pipeline.
_RESULT_OF_OUTCOME = {"success": "SUCCESS", "failed": "FAILED", "denied": "BLOCKED"}


class MetricsBindingError(ValueError):
    """The catalog lacks a metric (or label) the service needs; names the catalog entry."""


@dataclass(frozen=True)
class CatalogCollectors:
    """Every catalog metric registered on one registry, keyed by catalog name."""

    by_name: Mapping[str, Collector]

    def get(self, short_name: str, expected: type[Collector]) -> Any:
        """Return the collector for `techno_<short_name>`, checking its type."""
        name = METRIC_PREFIX + short_name
        collector = self.by_name.get(name)
        if not isinstance(collector, expected):
            raise MetricsBindingError(
                f"catalog metric {name!r} is missing or not a {expected.__name__}"
            )
        return collector


def register_catalog(catalog: Catalog, registry: CollectorRegistry) -> CatalogCollectors:
    """Register every catalog metric on `registry` and initialise all label combinations."""
    # `_created` series double the exposition for no dashboard or alert we have.
    disable_created_metrics()  # type: ignore[no-untyped-call]
    by_name: dict[str, Collector] = {}
    for spec in catalog.metrics:
        collector = _build(spec, registry)
        if isinstance(collector, Info):
            collector.info({"version": __version__, "python_version": platform.python_version()})
        elif spec.labels:
            for combination in spec.label_combinations():
                collector.labels(**combination)
        by_name[spec.name] = collector
    return CatalogCollectors(by_name)


def _build(spec: MetricSpec, registry: CollectorRegistry) -> Collector:
    labels = spec.label_names
    if spec.type == "counter":
        return Counter(spec.base_name, spec.help, labels, registry=registry)
    if spec.type == "gauge":
        return Gauge(spec.base_name, spec.help, labels, registry=registry)
    if spec.type == "histogram":
        return Histogram(spec.base_name, spec.help, labels, registry=registry, buckets=spec.buckets)
    return Info(spec.base_name, spec.help, registry=registry)


def _children(collector: Any, spec_labels: Mapping[str, tuple[str, ...]]) -> dict[Any, Any]:
    """Pre-bind every label combination so the hot path is one dict lookup."""
    names = tuple(spec_labels)
    children: dict[Any, Any] = {}
    for combination in _product(spec_labels):
        key = combination[0] if len(names) == 1 else combination
        children[key] = collector.labels(*combination)
    return children


def _product(labels: Mapping[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for values in labels.values():
        combos = [(*combo, value) for combo in combos for value in values]
    return combos


class ServiceMetrics:
    """The service's metric handles, bound once at start; methods map unknown values."""

    def __init__(self, catalog: Catalog, registry: CollectorRegistry) -> None:
        collectors = register_catalog(catalog, registry)
        spec = {s.name.removeprefix(METRIC_PREFIX): s.labels for s in catalog.metrics}
        http_requests = collectors.get("http_requests_total", Counter)
        http_duration = collectors.get("http_request_duration_seconds", Histogram)
        self._http_requests = _children(http_requests, spec["http_requests_total"])
        self._http_duration = _children(http_duration, spec["http_request_duration_seconds"])
        self._methods = frozenset(spec["http_requests_total"]["method"])
        self.routes = frozenset(spec["http_requests_total"]["route"])
        self._statuses = frozenset(spec["http_requests_total"]["status"])
        self._pipeline = _children(
            collectors.get("pipeline_requests_total", Counter), spec["pipeline_requests_total"]
        )
        self._gates = _children(
            collectors.get("gate_decisions_total", Counter), spec["gate_decisions_total"]
        )
        self.gate_reasons = frozenset(spec["gate_decisions_total"]["reason"])
        self._executor_calls = _children(
            collectors.get("executor_calls_total", Counter), spec["executor_calls_total"]
        )
        self._executor_duration = _children(
            collectors.get("executor_duration_seconds", Histogram),
            spec["executor_duration_seconds"],
        )
        self.executor_ids = frozenset(spec["executor_calls_total"]["executor"])
        self._results = _children(
            collectors.get("action_results_total", Counter), spec["action_results_total"]
        )
        self.in_flight: Gauge = collectors.get("requests_in_flight", Gauge)
        self._audit_errors: Counter = collectors.get("audit_write_errors_total", Counter)
        collectors.get("build_info", Info)

    def route_label(self, template: str | None) -> str:
        """Return the route label for a route template (unknown ones become `unmatched`)."""
        return template if template in self.routes else FALLBACK_ROUTE

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        status_label = str(status)
        if status_label not in self._statuses:
            # The catalog lists every status the service produces; anything else
            # (a proxy-level oddity) is folded into its class's generic code.
            status_label = "500" if status >= 500 else "400"
        if method not in self._methods:
            method = FALLBACK_METHOD
        self._http_requests[(method, route, status_label)].inc()
        self._http_duration[route].observe(seconds)

    def http_route(self, route: str) -> RouteMetrics:
        """Return the HTTP request metrics of one route label, pre-bound."""
        return RouteMetrics(self, route)

    def gate_counter(self, gate: str, decision: str, reason: str) -> Callable[[], None]:
        """Return the increment of one gate decision series (for decisions on every request)."""
        inc: Callable[[], None] = self._gates[(gate, decision, reason)].inc
        return inc

    def count_gate(self, gate: str, decision: str, reason: str) -> None:
        """Count one gate decision."""
        self._gates[(gate, decision, reason)].inc()

    def outcome_counter(self, outcome: str) -> Callable[[], None]:
        """Return one call counting a request leaving the pipeline with `outcome`.

        It counts both the pipeline outcome and the action result it implies
        (success -> SUCCESS, failed -> FAILED, denied -> BLOCKED).
        """
        pipeline = self._pipeline[outcome].inc
        result = self._results[_RESULT_OF_OUTCOME[outcome]].inc

        def count() -> None:
            pipeline()
            result()

        return count

    def count_pipeline(self, outcome: str) -> None:
        """Count one request that left the pipeline as success, denied or failed."""
        self._pipeline[outcome].inc()

    def count_result(self, status: str) -> None:
        """Count one action result returned to a client (SUCCESS, FAILED, BLOCKED)."""
        self._results[status].inc()

    def observe_executor(self, executor_id: str, outcome: str, seconds: float) -> None:
        """Count one executor call with its outcome and run time."""
        self._executor_calls[(executor_id, outcome)].inc()
        self._executor_duration[executor_id].observe(seconds)

    def count_audit_write_errors(self, events: int) -> None:
        """Count audit events that could not be written."""
        self._audit_errors.inc(events)


class RouteMetrics:
    """One route's request counter children by (method, status), and its latency histogram."""

    __slots__ = ("_duration", "_metrics", "_requests", "route")

    def __init__(self, metrics: ServiceMetrics, route: str) -> None:
        self.route = route
        self._metrics = metrics
        self._requests = {
            (method, int(status)): metrics._http_requests[(method, route, status)]
            for method in metrics._methods
            for status in metrics._statuses
        }
        self._duration = metrics._http_duration[route]

    def observe(self, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        counter = self._requests.get((method, status))
        if counter is None:  # a method or status outside the catalog: map it
            self._metrics.observe_http(method, self.route, status, seconds)
            return
        counter.inc()
        self._duration.observe(seconds)
