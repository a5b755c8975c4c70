"""/metrics serves exactly the catalog: every metric, every label combination, nothing else."""

from __future__ import annotations

import platform
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from obs.catalog import load_catalog
from service import __version__
from service.metrics import ServiceMetrics


async def scrape(service: Any) -> dict[str, Any]:
    response = await service.client.get("/metrics")
    assert response.status == 200
    return {family.name: family for family in text_string_to_metric_families(await response.text())}


def exposed_name(family: Any) -> str:
    # The parser strips `_total` from counter family names.
    if family.type == "counter":
        return f"{family.name}_total"
    return str(family.name)


async def test_metrics_match_the_catalog_in_both_directions(service: Any) -> None:
    catalog = load_catalog(service.settings.catalog_path)
    families = await scrape(service)
    exposed = {exposed_name(f): f for f in families.values()}
    assert set(exposed) == {spec.name for spec in catalog.metrics}
    assert "up" not in exposed
    for spec in catalog.metrics:
        family = exposed[spec.name]
        # The Prometheus text format has no info type: it exposes info as a gauge.
        assert family.type == ("gauge" if spec.type == "info" else spec.type), spec.name
        assert family.documentation == spec.help, spec.name
        sample_names = {sample.name for sample in family.samples}
        assert sample_names == set(spec.series_names()), spec.name


async def test_every_label_combination_exists_at_start(service: Any) -> None:
    catalog = load_catalog(service.settings.catalog_path)
    families = {exposed_name(f): f for f in (await scrape(service)).values()}
    for spec in catalog.metrics:
        if spec.type == "info":
            continue
        head = spec.series_names()[0] if spec.type != "histogram" else f"{spec.name}_count"
        seen = {
            tuple(sorted(sample.labels.items()))
            for sample in families[spec.name].samples
            if sample.name == head
        }
        expected = {tuple(sorted(c.items())) for c in spec.label_combinations()}
        assert seen == expected, spec.name


async def test_build_info_carries_versions(service: Any) -> None:
    labels = {"version": __version__, "python_version": platform.python_version()}
    assert service.metric("techno_build_info", **labels) == 1.0


async def test_no_created_series_and_no_process_collectors(service: Any) -> None:
    text = await (await service.client.get("/metrics")).text()
    assert "_created" not in text
    assert "process_" not in text
    assert "python_gc" not in text


async def test_requests_are_counted_by_route_template_not_raw_path(service: Any) -> None:
    await service.client.get("/health")
    await service.client.get("/no/such/path")
    await service.client.delete("/admin/keys/key_0123456789abcdef")
    await service.client.request("PATCH", "/health")
    count = service.metric
    assert count("techno_http_requests_total", method="GET", route="/health", status="200") == 1
    assert count("techno_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert (
        count(
            "techno_http_requests_total",
            method="DELETE",
            route="/admin/keys/{key_id}",
            status="401",
        )
        == 1
    )
    assert count("techno_http_requests_total", method="OTHER", route="/health", status="405") == 1
    assert count("techno_http_request_duration_seconds_count", route="/health") == 2


async def test_every_route_has_its_own_route_label(service: Any) -> None:
    # A route missing from the catalog would be counted as `unmatched`, invisible to panels.
    catalog = load_catalog(service.settings.catalog_path)
    labels = next(s for s in catalog.metrics if s.name == "techno_http_requests_total").labels
    served = {
        route.resource.canonical
        for route in service.client.app.router.routes()
        if route.method != "*" and route.resource is not None
    }
    assert served <= set(labels["route"])


async def test_in_flight_returns_to_zero(service: Any) -> None:
    await service.client.get("/health")
    assert service.metric("techno_requests_in_flight") == 0


def test_two_apps_never_share_a_registry() -> None:
    catalog = load_catalog()
    first, second = CollectorRegistry(), CollectorRegistry()
    ServiceMetrics(catalog, first).count_result("SUCCESS")
    ServiceMetrics(catalog, second)
    assert first.get_sample_value("techno_action_results_total", {"status": "SUCCESS"}) == 1
    assert second.get_sample_value("techno_action_results_total", {"status": "SUCCESS"}) == 0


def test_no_metric_name_is_written_in_service_code() -> None:
    from pathlib import Path

    import service as package

    names = [spec.name for spec in load_catalog().metrics]
    for path in Path(package.__file__).parent.rglob("*.py"):
        # Comments may mention a metric; code must not spell one.
        code = [line for line in path.read_text().splitlines() if not line.strip().startswith("#")]
        for name in names:
            assert not any(name in line for line in code), f"{path} spells {name}"
