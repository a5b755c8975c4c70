"""A bad catalog fails with an error naming the file, the entry and the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from obs.catalog import CatalogError, load_catalog

Edit = Callable[[dict[str, Any]], None]


def alert_entry(raw: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in raw["alerts"] if a["name"] == name)
    return found


def _set(name: str, key: str, value: Any) -> Edit:
    def change(raw: dict[str, Any]) -> None:
        alert_entry(raw, name)[key] = value

    return change


def _drop(name: str, key: str) -> Edit:
    def change(raw: dict[str, Any]) -> None:
        del alert_entry(raw, name)[key]

    return change


def _rename_metric(old: str, new: str) -> Edit:
    def change(raw: dict[str, Any]) -> None:
        next(m for m in raw["metrics"] if m["name"] == old)["name"] = new

    return change


def _panel_expr(uid: str, title: str, expr: str) -> Edit:
    def change(raw: dict[str, Any]) -> None:
        dashboard = next(d for d in raw["dashboards"] if d["uid"] == uid)
        next(p for p in dashboard["panels"] if p["title"] == title)["queries"][0]["expr"] = expr

    return change


def _duplicate_name(raw: dict[str, Any]) -> None:
    alert_entry(raw, "HighErrorRate")["name"] = "BackendDown"


def _collide_with_slo_alert(raw: dict[str, Any]) -> None:
    alert_entry(raw, "HighErrorRate")["name"] = "AvailabilitySLOBurnRatePage"


def _no_slo_panels(raw: dict[str, Any]) -> None:
    for dashboard in raw["dashboards"]:
        dashboard.pop("slo_panels", None)


def _relative_runbook_base(raw: dict[str, Any]) -> None:
    raw["alerting"]["runbook_base_url"] = "runbooks"


def _runbook_panel(raw: dict[str, Any]) -> None:
    alert_entry(raw, "BackendDown")["runbook"]["diagnosis"][0]["panel"] = "No such panel"


CASES = [
    pytest.param(
        _set("HighErrorRate", "numerator", 'techno_http_requestz_total{status=~"5.."}'),
        "alerts[HighErrorRate]",
        "numerator",
        "unknown metric",
        id="unknown-metric",
    ),
    pytest.param(
        _panel_expr(
            "techno-gates",
            "Pipeline outcomes",
            'sum(rate(techno_pipeline_requests_total{route="/process"}[$__rate_interval]))',
        ),
        "dashboards[techno-gates].panels[Pipeline outcomes]",
        "queries[0].expr",
        "label 'route' is not a label",
        id="label-not-in-metric",
    ),
    pytest.param(
        _rename_metric("techno_audit_write_errors_total", "techno_audit_write_errors"),
        "metrics[techno_audit_write_errors]",
        "name",
        "_total",
        id="counter-without-total",
    ),
    pytest.param(
        _drop("GateDenySpike", "severity"),
        "alerts[GateDenySpike]",
        "severity",
        "required",
        id="missing-severity",
    ),
    pytest.param(
        _duplicate_name,
        "alerts[BackendDown]",
        "name",
        "duplicate",
        id="duplicate-alert-name",
    ),
    pytest.param(
        _collide_with_slo_alert,
        "slos[availability]",
        "name",
        "duplicate",
        id="duplicate-of-generated-slo-alert",
    ),
    pytest.param(
        _set("HighErrorRate", "threshold", "5%"),
        "alerts[HighErrorRate]",
        "threshold",
        "must be a number",
        id="threshold-wrong-type",
    ),
    pytest.param(
        _set("HighRequestVolume", "threshold", True),
        "alerts[HighRequestVolume]",
        "threshold",
        "must be a number",
        id="threshold-bool",
    ),
    pytest.param(
        _set("HighErrorRate", "threshold", 5),
        "alerts[HighErrorRate]",
        "threshold",
        "between 0 and 1",
        id="ratio-threshold-out-of-range",
    ),
    pytest.param(
        _set("HighLatencyP95", "threshold", 0.3),
        "alerts[HighLatencyP95]",
        "threshold",
        "bucket boundary",
        id="quantile-threshold-not-a-bucket",
    ),
    pytest.param(
        _set("HighErrorRate", "numerator", 'techno_http_requests_total{status=~"6.."}'),
        "alerts[HighErrorRate]",
        "numerator",
        "matches none of the allowed values",
        id="unreachable-label-value",
    ),
    pytest.param(
        _set("HighErrorRate", "severity", "critical"),
        "alerts[HighErrorRate]",
        "severity",
        "must be one of",
        id="severity-without-route",
    ),
    pytest.param(
        _set("HighErrorRate", "thresold", 0.1),
        "alerts[HighErrorRate]",
        "thresold",
        "unknown field",
        id="typo-in-field-name",
    ),
    pytest.param(
        _runbook_panel,
        "alerts[BackendDown]",
        "runbook.diagnosis[0].panel",
        "has no panel",
        id="runbook-links-missing-panel",
    ),
    pytest.param(
        _panel_expr("techno-overview", "Throughput", "sum(rate(techno_http_requests_total[5m]))"),
        "dashboards[techno-overview].panels[Throughput]",
        "queries[0].expr",
        "$__rate_interval",
        id="dashboard-fixed-range",
    ),
    pytest.param(
        _set("HighErrorRate", "dashboard", {"uid": "techno-overview", "panel": "Throughput"}),
        "alerts[HighErrorRate]",
        "dashboard.panel",
        'no query selects techno_http_requests_total{route="/process",status=~"5.."}',
        id="linked-panel-does-not-plot-the-alert",
    ),
    pytest.param(
        _set("HighErrorRate", "dashboard", {"uid": "techno-overview", "panel": "Nope"}),
        "alerts[HighErrorRate]",
        "dashboard.panel",
        "has no panel 'Nope'",
        id="linked-panel-missing",
    ),
    pytest.param(
        _set("HighErrorRate", "dashboard", {"uid": "techno-nope", "panel": "Throughput"}),
        "alerts[HighErrorRate]",
        "dashboard.uid",
        "no dashboard with uid 'techno-nope'",
        id="linked-dashboard-missing",
    ),
    pytest.param(
        _drop("HighErrorRate", "dashboard"),
        "alerts[HighErrorRate]",
        "dashboard",
        "must be a mapping",
        id="alert-links-no-panel",
    ),
    pytest.param(
        _no_slo_panels,
        "slos[availability]",
        "dashboard",
        "no dashboard has slo_panels: true",
        id="slo-with-no-panel-to-link",
    ),
    pytest.param(
        _relative_runbook_base,
        "alerting",
        "runbook_base_url",
        "must be an http(s) URL",
        id="relative-runbook-base-url",
    ),
]


@pytest.mark.parametrize(("edit", "entry", "field", "problem"), CASES)
def test_bad_catalog_names_file_entry_and_field(
    edit_catalog: Callable[[Edit], Any], edit: Edit, entry: str, field: str, problem: str
) -> None:
    path = edit_catalog(edit)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    error = caught.value
    assert (error.path, error.entry, error.field) == (str(path), entry, field)
    assert problem in error.problem
    assert str(path) in str(error) and entry in str(error) and field in str(error)


def test_metrics_only_catalog_still_loads_for_the_service(
    edit_catalog: Callable[[Edit], Any],
) -> None:
    def keep_metrics(raw: dict[str, Any]) -> None:
        for section in ("alerting", "deploy", "drill", "slos", "dashboards", "alerts"):
            del raw[section]

    catalog = load_catalog(edit_catalog(keep_metrics))
    assert catalog.metric("techno_build_info").type == "info"
    with pytest.raises(CatalogError, match="alerting"):
        catalog.require_artifact_sections()
