"""Panel queries come out of dashboards with Grafana variables resolved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contract.checks.dashboards import (
    DashboardError,
    load_dashboard,
    panel_queries,
    resolve,
    variable_values,
)


def dashboard(
    *panels: dict[str, Any], variables: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "uid": "techno-overview",
        "panels": list(panels),
        "templating": {"list": variables or []},
    }


def test_builtins_and_dashboard_variables_are_resolved() -> None:
    values = {"route": "/process"}
    expr = (
        'rate(x{route="$route"}[$__rate_interval])'
        ' + rate(y{route="${route}"}[$__interval]) + [[route]]'
    )
    assert (
        resolve(expr, values)
        == 'rate(x{route="/process"}[1m]) + rate(y{route="/process"}[15s]) + /process'
    )


def test_an_unknown_variable_is_named() -> None:
    with pytest.raises(DashboardError, match=r"\$instance"):
        resolve('up{instance=~"$instance"}', {})


def test_variable_values_prefer_current_then_first_option_then_all() -> None:
    values = variable_values(
        dashboard(
            variables=[
                {"name": "datasource", "type": "datasource", "query": "prometheus"},
                {"name": "route", "type": "custom", "current": {"value": "/process"}},
                {"name": "status", "type": "custom", "current": {}, "options": [{"value": "200"}]},
                {
                    "name": "executor",
                    "type": "query",
                    "current": {"value": ["$__all"]},
                    "includeAll": True,
                },
            ]
        )
    )
    assert values == {
        "datasource": "prometheus",
        "route": "/process",
        "status": "200",
        "executor": ".*",
    }


def test_panel_queries_descend_into_rows_and_name_the_panel_on_error() -> None:
    row = {
        "type": "row",
        "title": "Row",
        "panels": [{"title": "Inner", "targets": [{"refId": "A", "expr": "up"}]}],
    }
    top = {"title": "Top", "targets": [{"refId": "B", "expr": "sum(rate(x[$__rate_interval]))"}]}
    queries = panel_queries(dashboard(top, row))
    assert [(q.panel, q.ref_id, q.resolved) for q in queries] == [
        ("Top", "B", "sum(rate(x[1m]))"),
        ("Inner", "A", "up"),
    ]
    broken = {"title": "Broken", "targets": [{"refId": "C", "expr": 'up{job="$job"}'}]}
    with pytest.raises(DashboardError, match="panel 'Broken' target C"):
        panel_queries(dashboard(broken))


def test_a_variable_with_no_value_and_no_option_is_named() -> None:
    variable = {"name": "route", "type": "custom", "current": {}, "options": []}
    with pytest.raises(DashboardError, match=r"variable 'route' \(custom\) has no current value"):
        variable_values(dashboard(variables=[variable]))


def test_a_dashboard_file_must_be_a_json_object(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"uid": ', encoding="utf-8")
    with pytest.raises(DashboardError, match=r"broken\.json: not valid JSON"):
        load_dashboard(broken)
    listing = tmp_path / "list.json"
    listing.write_text("[]", encoding="utf-8")
    with pytest.raises(DashboardError, match="must be a JSON object"):
        load_dashboard(listing)
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text('{"dashboard": {"uid": "techno-slo"}}', encoding="utf-8")
    assert load_dashboard(wrapped) == {"uid": "techno-slo"}
