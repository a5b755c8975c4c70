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


MORE_CATALOG = """
service: {name: techno-backend, job: techno-backend}
metrics:
  - name: techno_http_request_duration_seconds
    type: histogram
    unit: seconds
    help: Latency.
    buckets: [0.1, 1.0]
    labels:
      route: [/process]
  - name: techno_build_info
    type: info
    unit: info
    help: Build.
    labels:
      version: runtime
"""


@pytest.fixture
def more(tmp_path: Path) -> Catalog:
    path = tmp_path / "more.yaml"
    path.write_text(MORE_CATALOG, encoding="utf-8")
    return load_catalog(path)


def histogram(*bounds: str, labels: str = 'route="/process"') -> str:
    lines = [
        "# TYPE techno_http_request_duration_seconds histogram",
        *(f'techno_http_request_duration_seconds_bucket{{{labels},le="{b}"}} 0' for b in bounds),
        f"techno_http_request_duration_seconds_count{{{labels}}} 0",
        f"techno_http_request_duration_seconds_sum{{{labels}}} 0",
    ]
    return "\n".join(lines) + "\n"


INFO = '# TYPE techno_build_info gauge\ntechno_build_info{version="1.2.3"} 1\n'


def test_the_exact_buckets_and_one_info_series_are_no_drift(more: Catalog) -> None:
    families = parse_exposition(histogram("0.1", "1.0", "+Inf") + INFO)
    assert metric_set_problems(families, more) == []
    assert label_set_problems(families, more) == []


@pytest.mark.parametrize(
    ("bounds", "seen"),
    [
        (("0.1", "+Inf"), "['+Inf', '0.1']"),
        (("0.1", "0.5", "1.0", "+Inf"), "['+Inf', '0.1', '0.5', '1.0']"),
    ],
    ids=["missing", "extra"],
)
def test_a_missing_or_extra_bucket_is_drift(
    more: Catalog, bounds: tuple[str, ...], seen: str
) -> None:
    problems = label_set_problems(parse_exposition(histogram(*bounds) + INFO), more)
    assert problems == [
        f"techno_http_request_duration_seconds{{'route': '/process'}}: buckets {seen} "
        "differ from the catalog's"
    ]


def test_a_metric_the_catalog_has_but_the_backend_lacks_is_drift(more: Catalog) -> None:
    problems = metric_set_problems(parse_exposition(INFO), more)
    assert problems == ["catalog metric 'techno_http_request_duration_seconds' is not exposed"]


def test_a_metric_exposed_with_another_type_is_drift(more: Catalog) -> None:
    gauge = "# TYPE techno_http_request_duration_seconds gauge\n"
    gauge += 'techno_http_request_duration_seconds{route="/process"} 0\n'
    problems = metric_set_problems(parse_exposition(gauge + INFO), more)
    assert problems == [
        "techno_http_request_duration_seconds: exposed as gauge, catalog says histogram"
    ]


def test_extra_label_names_are_drift(more: Catalog) -> None:
    exposition = histogram("0.1", "1.0", "+Inf", labels='route="/process",user="u1"') + INFO
    problems = label_set_problems(parse_exposition(exposition), more)
    assert problems[0] == (
        "techno_http_request_duration_seconds_bucket: label names ['route', 'user'] differ "
        "from the catalog's ['route']"
    )


def test_an_info_metric_needs_exactly_one_series_with_values(more: Catalog) -> None:
    two = INFO + 'techno_build_info{version="2.0.0"} 1\n'
    empty = '# TYPE techno_build_info gauge\ntechno_build_info{version=""} 1\n'
    for exposition, count in ((two, 2), (empty, 1)):
        problems = label_set_problems(
            parse_exposition(histogram("0.1", "1.0", "+Inf") + exposition), more
        )
        assert problems == [
            f"techno_build_info: expected one series with non-empty labels, got {count}"
        ]
