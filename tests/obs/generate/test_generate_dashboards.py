"""Dashboards have stable uids, a $datasource variable, units and $__rate_interval."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from obs.checks.dashboard_lint import lint_errors
from obs.checks.dashboard_model import model_errors


def _dashboards(root: Path) -> dict[str, dict[str, Any]]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((root / "dashboards").glob("*.json"))
    }


def test_the_four_dashboards_exist_with_stable_uids(generated_tree: Path) -> None:
    uids = {name: d["uid"] for name, d in _dashboards(generated_tree).items()}
    assert uids == {
        "techno-executors.json": "techno-executors",
        "techno-gates.json": "techno-gates",
        "techno-overview.json": "techno-overview",
        "techno-slo.json": "techno-slo",
    }


def test_overview_shows_status_throughput_errors_latency_and_gates(generated_tree: Path) -> None:
    titles = [p["title"] for p in _dashboards(generated_tree)["techno-overview.json"]["panels"]]
    for wanted in (
        "Backend status",
        "Throughput",
        "Error rate (5xx share)",
        "p95 latency (/process)",
        "Gate decisions",
    ):
        assert wanted in titles


def test_every_dashboard_has_a_prometheus_datasource_variable(generated_tree: Path) -> None:
    for name, dashboard in _dashboards(generated_tree).items():
        variables = dashboard["templating"]["list"]
        assert [(v["name"], v["type"], v["query"]) for v in variables] == [
            ("datasource", "datasource", "prometheus")
        ], name
        assert dashboard["schemaVersion"] >= 39


def test_every_panel_has_a_unit_and_uses_the_datasource_variable(generated_tree: Path) -> None:
    for name, dashboard in _dashboards(generated_tree).items():
        for panel in dashboard["panels"]:
            assert panel["fieldConfig"]["defaults"]["unit"], (name, panel["title"])
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_every_range_in_a_query_is_rate_interval(generated_tree: Path) -> None:
    ranges: list[str] = []
    for dashboard in _dashboards(generated_tree).values():
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                ranges += re.findall(r"\[([^\]]*)\]", target["expr"])
    assert ranges and set(ranges) == {"$__rate_interval"}


def test_dashboards_are_valid_grafana_models_and_follow_house_rules(generated_tree: Path) -> None:
    for name, dashboard in _dashboards(generated_tree).items():
        assert model_errors(dashboard) == [], name
        assert lint_errors(dashboard) == [], name


@pytest.mark.parametrize(
    ("breakage", "complaint"),
    [
        (lambda d: d["panels"][0]["fieldConfig"]["defaults"].pop("unit"), "no unit"),
        (lambda d: d["templating"].update(list=[]), "no $datasource variable"),
        (
            lambda d: d["panels"][2]["targets"][0].update(expr="rate(x_total[5m])"),
            "$__rate_interval",
        ),
        (lambda d: d.pop("uid"), "no uid"),
    ],
)
def test_house_rules_catch_a_broken_dashboard(
    generated_tree: Path, breakage: Any, complaint: str
) -> None:
    dashboard = _dashboards(generated_tree)["techno-overview.json"]
    breakage(dashboard)
    assert any(complaint in e for e in lint_errors(dashboard))


def test_grafana_model_rejects_unknown_fields_and_wrong_types(generated_tree: Path) -> None:
    dashboard = _dashboards(generated_tree)["techno-overview.json"]
    dashboard["panels"][0]["gridPos"]["w"] = "wide"
    dashboard["panels"][1]["fieldConfig"]["defaults"]["unitt"] = "s"
    dashboard["graphTooltip"] = 7
    errors = model_errors(dashboard)
    assert "dashboard.panels[0].grid_pos.w: 'wide' is not a int" in errors
    assert (
        "dashboard.panels[1].fieldConfig.defaults.unitt: not a field of Grafana's dashboard model"
        in errors
    )
    assert any(e.startswith("dashboard.graph_tooltip: 7") for e in errors)
