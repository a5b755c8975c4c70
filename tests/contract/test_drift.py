"""Catalog drift: a live exposition is compared with the catalog, series by series."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    disable_created_metrics,
    enable_created_metrics,
    generate_latest,
)

from contract.checks.drift import label_set_problems, metric_set_problems, parse_exposition
from obs.catalog import Catalog, load_catalog

CATALOG = """
service: {name: techno-backend, job: techno-backend}
metrics:
  - name: techno_pipeline_requests_total
    type: counter
    unit: requests
    help: Requests by outcome.
    labels:
      outcome: [success, denied]
  - name: techno_requests_in_flight
    type: gauge
    unit: requests
    help: In flight.
    labels: {}
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    return load_catalog(path)


@pytest.fixture(autouse=True)
def no_created_series() -> Iterator[None]:
    # The backend disables `_created` series; expose like it does.
    disable_created_metrics()  # type: ignore[no-untyped-call]
    yield
    enable_created_metrics()  # type: ignore[no-untyped-call]


def exposition(outcomes: tuple[str, ...], *, extra: bool = False) -> str:
    registry = CollectorRegistry()
    counter = Counter(
        "techno_pipeline_requests", "Requests by outcome.", ["outcome"], registry=registry
    )
    for outcome in outcomes:
        counter.labels(outcome=outcome)
    Gauge("techno_requests_in_flight", "In flight.", registry=registry)
    if extra:
        Gauge("techno_surprise", "Not in the catalog.", registry=registry)
    return generate_latest(registry).decode()


def test_an_exposition_matching_the_catalog_has_no_drift(catalog: Catalog) -> None:
    families = parse_exposition(exposition(("success", "denied")))
    assert metric_set_problems(families, catalog) == []
    assert label_set_problems(families, catalog) == []


def test_an_extra_metric_is_drift(catalog: Catalog) -> None:
    problems = metric_set_problems(
        parse_exposition(exposition(("success", "denied"), extra=True)), catalog
    )
    assert problems == ["metric 'techno_surprise' is exposed but not in the catalog"]


def test_a_missing_or_unknown_label_value_is_drift(catalog: Catalog) -> None:
    problems = label_set_problems(parse_exposition(exposition(("success", "teapot"))), catalog)
    assert (
        "techno_pipeline_requests_total: label combination {'outcome': 'denied'} is missing"
        in problems
    )
    assert (
        "techno_pipeline_requests_total: label combination {'outcome': 'teapot'} "
        "is not in the catalog" in problems
    )
