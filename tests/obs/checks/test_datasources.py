"""Every datasource a dashboard references is provisioned, directly or through its variable."""

from __future__ import annotations

from typing import Any

import pytest

from obs.checks.datasources import Datasource, datasource_errors, provisioned_datasources

PROVISIONED = provisioned_datasources(
    [
        {
            "apiVersion": 1,
            "datasources": [
                {"name": "Prometheus", "type": "prometheus", "uid": "techno-prometheus"},
            ],
        }
    ]
)
VARIABLE = {"name": "datasource", "type": "datasource", "query": "prometheus"}
VIA_VARIABLE = {"type": "prometheus", "uid": "${datasource}"}


def dashboard(
    *, panel: Any = VIA_VARIABLE, target: Any = VIA_VARIABLE, extra: tuple[Any, ...] = ()
) -> dict[str, Any]:
    return {
        "uid": "techno-overview",
        "panels": [
            {
                "title": "Requests by status",
                "datasource": panel,
                "targets": [{"refId": "A", "datasource": target, "expr": "up"}],
            }
        ],
        "templating": {"list": [VARIABLE, *extra]},
        "annotations": {"list": []},
    }


def test_provisioning_is_read_into_name_type_and_uid() -> None:
    (source,) = PROVISIONED
    assert source == Datasource("Prometheus", "prometheus", "techno-prometheus")


@pytest.mark.parametrize(
    "reference",
    [
        VIA_VARIABLE,
        "$datasource",
        {"type": "prometheus", "uid": "techno-prometheus"},
        "Prometheus",  # old dashboards name the datasource
        {"type": "prometheus"},
        None,  # the panel's or the default datasource
    ],
)
def test_references_that_resolve_pass(reference: Any) -> None:
    assert datasource_errors(dashboard(panel=reference, target=reference), PROVISIONED) == []


def test_an_unprovisioned_uid_names_dashboard_panel_target_and_uid() -> None:
    errors = datasource_errors(dashboard(target={"type": "prometheus", "uid": "nope"}), PROVISIONED)
    assert errors == [
        "dashboard 'techno-overview' panel 'Requests by status' target A: datasource uid 'nope' "
        "is not provisioned (provisioned uids: techno-prometheus)"
    ]


def test_a_variable_the_dashboard_does_not_define_is_named() -> None:
    errors = datasource_errors(dashboard(panel={"uid": "${ds}"}), PROVISIONED)
    assert errors == [
        "dashboard 'techno-overview' panel 'Requests by status': datasource uid '${ds}' "
        "is not a datasource variable of the dashboard"
    ]


def test_a_type_that_differs_from_the_provisioned_datasource_is_named() -> None:
    errors = datasource_errors(
        dashboard(panel={"type": "loki", "uid": "techno-prometheus"}), PROVISIONED
    )
    assert errors == [
        "dashboard 'techno-overview' panel 'Requests by status': type 'loki' differs from "
        "provisioned 'techno-prometheus''s 'prometheus'"
    ]


def test_a_datasource_variable_of_an_unprovisioned_type_is_named() -> None:
    loki = {"name": "logs", "type": "datasource", "query": "loki"}
    errors = datasource_errors(dashboard(extra=(loki,)), PROVISIONED)
    assert errors == [
        "dashboard 'techno-overview' variable $logs: datasource type 'loki' matches no "
        "provisioned datasource (provisioned types: prometheus)"
    ]


def test_query_variables_annotations_and_rows_are_checked_too() -> None:
    board = dashboard(extra=({"name": "route", "type": "query", "datasource": {"uid": "gone"}},))
    board["annotations"]["list"] = [
        {"name": "Annotations & Alerts", "datasource": {"type": "grafana", "uid": "-- Grafana --"}},
        {"name": "Deploys", "datasource": {"type": "prometheus", "uid": "old"}},
    ]
    board["panels"].append(
        {"type": "row", "title": "Row", "panels": [{"title": "Inner", "datasource": "$nope"}]}
    )
    assert [e.split(": ")[0] for e in datasource_errors(board, PROVISIONED)] == [
        "dashboard 'techno-overview' panel 'Inner'",
        "dashboard 'techno-overview' variable $route",
        "dashboard 'techno-overview' annotation 'Deploys'",
    ]
