"""The tallies expose byte-for-byte what prometheus_client's own collectors would."""

from __future__ import annotations

import platform
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
    generate_latest,
)

from obs.catalog import Catalog, load_catalog
from service import __version__
from service.metrics import ServiceMetrics


def reference(catalog: Catalog) -> tuple[CollectorRegistry, dict[str, Any]]:
    """Register the catalog the plain prometheus_client way, every combination initialised."""
    disable_created_metrics()  # type: ignore[no-untyped-call]
    registry = CollectorRegistry()
    built: dict[str, Any] = {}
    for spec in catalog.metrics:
        labels = spec.label_names
        collector: Any
        if spec.type == "counter":
            collector = Counter(spec.base_name, spec.help, labels, registry=registry)
        elif spec.type == "gauge":
            collector = Gauge(spec.base_name, spec.help, labels, registry=registry)
        elif spec.type == "histogram":
            collector = Histogram(
                spec.base_name, spec.help, labels, registry=registry, buckets=spec.buckets
            )
        else:
            collector = Info(spec.base_name, spec.help, registry=registry)
            collector.info({"version": __version__, "python_version": platform.python_version()})
        if spec.labels and spec.type != "info":
            for combination in spec.label_combinations():
                collector.labels(**combination)
        built[spec.name.removeprefix("techno_")] = collector
    return registry, built


def test_a_fresh_exposition_matches_prometheus_client() -> None:
    catalog = load_catalog()
    ours = CollectorRegistry()
    ServiceMetrics(catalog, ours)
    theirs, _ = reference(catalog)
    assert generate_latest(ours) == generate_latest(theirs)


def test_the_exposition_after_traffic_matches_prometheus_client() -> None:
    catalog = load_catalog()
    ours = CollectorRegistry()
    metrics = ServiceMetrics(catalog, ours)
    theirs, ref = reference(catalog)
    route = metrics.http_route("/process")
    # Bucket edges, values between them, beyond the last one, and an unknown method.
    latencies = [0.0, 0.0005, 0.00051, 0.003, 0.1, 0.25, 7.5, 10.0, 11.0, 1e-9]
    for index, seconds in enumerate(latencies):
        status = (200, 401, 422, 599)[index % 4]
        method = ("POST", "BREW")[index % 2]
        route.observe(method, status, seconds)
        label = {599: "500"}.get(status, str(status))
        ref["http_requests_total"].labels(
            method if method == "POST" else "OTHER", "/process", label
        ).inc()
        ref["http_request_duration_seconds"].labels("/process").observe(seconds)
        metrics.observe_executor("echo", "success", seconds)
        ref["executor_calls_total"].labels("echo", "success").inc()
        ref["executor_duration_seconds"].labels("echo").observe(seconds)
    metrics.outcome_counter("denied")()
    ref["pipeline_requests_total"].labels("denied").inc()
    ref["action_results_total"].labels("BLOCKED").inc()
    metrics.gate_counter("authn", "ALLOW", "OK")()
    metrics.count_gate("input", "DENY", "SCHEMA_VIOLATION")
    ref["gate_decisions_total"].labels("authn", "ALLOW", "OK").inc()
    ref["gate_decisions_total"].labels("input", "DENY", "SCHEMA_VIOLATION").inc()
    metrics.in_flight.inc()
    metrics.in_flight.inc()
    metrics.in_flight.dec()
    ref["requests_in_flight"].inc()
    metrics.count_audit_write_errors(3)
    ref["audit_write_errors_total"].inc(3)
    assert generate_latest(ours) == generate_latest(theirs)
