"""The drill copy of the rules differs from the real rules in durations only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from obs.catalog import CatalogError, load_catalog
from obs.generate.artifacts import render_all
from obs.generate.timescale import duration_ms, format_duration, scale_expression
from tests.obs.conftest import CatalogEditor

SCALE = load_catalog().drill.scale


def _signature(expr: str, scale: int = 1) -> list[tuple[Any, ...]]:
    """Every AST node in pre-order, with its durations divided by scale."""
    nodes: list[tuple[Any, ...]] = []

    def ms(delta: Any) -> int | None:
        return None if delta is None else round(delta.total_seconds() * 1000 / scale)

    def visit(node: promql_parser.Expr) -> None:
        kind = type(node).__name__
        if isinstance(node, promql_parser.VectorSelector):
            matchers = sorted((m.name, str(m.op), m.value) for m in node.matchers.matchers)
            nodes.append((kind, node.name, tuple(matchers), ms(node.offset)))
        elif isinstance(node, promql_parser.MatrixSelector):
            nodes.append((kind, ms(node.range)))
        elif isinstance(node, promql_parser.SubqueryExpr):
            nodes.append((kind, ms(node.range), ms(node.step), ms(node.offset)))
        elif isinstance(node, promql_parser.Call):
            nodes.append((kind, node.func.name))
        elif isinstance(node, promql_parser.NumberLiteral):
            nodes.append((kind, node.val))
        elif isinstance(node, promql_parser.BinaryExpr | promql_parser.AggregateExpr):
            nodes.append((kind, str(node.op), str(node.modifier)))
        else:
            nodes.append((kind,))

    promql_parser.walk(promql_parser.parse(expr), pre_visit=visit)
    return nodes


def _files(prefix: str) -> dict[str, dict[str, Any]]:
    groups = {g.name: g.files for g in render_all(load_catalog())}
    files = {**groups["alert rules"], **groups["drill rules"]}
    return {
        path.rpartition("/")[2]: yaml.safe_load(text)
        for path, text in files.items()
        if path.rpartition("/")[0] == prefix
    }


def test_every_drill_rule_is_its_real_rule_with_scaled_durations() -> None:
    real, drill = _files("alerts"), _files("alerts/drill")
    assert sorted(real) == sorted(drill)
    compared = 0
    for name, document in real.items():
        (group,) = document["groups"]
        (twin,) = drill[name]["groups"]
        assert twin["name"] == group["name"] + "-drill"
        assert twin["interval"] == load_catalog().drill.evaluation_interval
        assert len(group["rules"]) == len(twin["rules"])
        for rule, copy in zip(group["rules"], twin["rules"], strict=True):
            assert (rule.get("alert"), rule.get("record")) == (
                copy.get("alert"),
                copy.get("record"),
            )
            assert rule.get("labels") == copy.get("labels")
            assert rule.get("annotations") == copy.get("annotations")
            assert _signature(rule["expr"], SCALE) == _signature(copy["expr"])
            if "for" in rule:
                assert duration_ms(copy["for"]) == round(duration_ms(rule["for"]) / SCALE)
            compared += 1
    assert compared >= 12 + 16  # every alert and every SLO recording rule


def test_a_scale_too_big_for_the_scrape_interval_names_the_rule(
    edit_catalog: CatalogEditor,
) -> None:
    # 5m / 1200 = 250ms: one scrape, where rate() needs several.
    path = edit_catalog(lambda raw: raw["drill"].update(scale=1200))
    with pytest.raises(CatalogError) as caught:
        render_all(load_catalog(path))
    message = str(caught.value)
    assert "drill" in message and "scale" in message
    assert "range 5m becomes 250ms" in message
    assert "under 4 scrapes of 250ms" in message


def test_scaling_leaves_string_literals_alone() -> None:
    expr = 'rate(x{le=~"[0-9]m", path="a[5m]"}[10m]) offset 1h'
    assert scale_expression(expr, 10) == 'rate(x{le=~"[0-9]m", path="a[5m]"}[1m]) offset 6m'


def test_subquery_range_and_step_scale_together() -> None:
    assert scale_expression("max_over_time(x[30m:1m])", 60) == "max_over_time(x[30s:1s])"
    assert scale_expression("max_over_time(x[30m:])", 60) == "max_over_time(x[30s:])"


def test_durations_render_in_prometheus_units() -> None:
    assert format_duration(8_640_000) == "2h24m"
    assert format_duration(100) == "100ms"
    assert format_duration(72_000) == "1m12s"


def test_drill_config_loads_the_drill_rules_only(generated_tree: Path) -> None:
    config = yaml.safe_load((generated_tree / "deploy/prometheus/prometheus-drill.yml").read_text())
    assert config["rule_files"] == ["../../alerts/drill/*.yml"]
    assert config["global"]["scrape_interval"] == load_catalog().drill.scrape_interval
    real = yaml.safe_load((generated_tree / "deploy/prometheus/prometheus.yml").read_text())
    assert config["scrape_configs"] == real["scrape_configs"]
    assert config["alerting"] == real["alerting"]


def test_inhibit_rules_reach_the_alertmanager_config(generated_tree: Path) -> None:
    config = yaml.safe_load((generated_tree / "deploy/alertmanager/alertmanager.yml").read_text())
    assert config["inhibit_rules"] == [
        {
            "source_matchers": ['severity="page"', 'slo=~".+"'],
            "target_matchers": ['severity="ticket"', 'slo=~".+"'],
            "equal": ["slo"],
        }
    ]


@pytest.mark.parametrize(
    ("rule", "field", "problem"),
    [
        ({"source_matchers": ["severity=page"]}, "source_matchers", "is not a matcher"),
        ({"target_matchers": ['slo=~"("']}, "target_matchers", "bad regex"),
        ({"equal": []}, "equal", "non-empty list"),
    ],
)
def test_a_bad_inhibit_rule_names_its_field(
    edit_catalog: CatalogEditor, rule: dict[str, Any], field: str, problem: str
) -> None:
    path = edit_catalog(lambda raw: raw["alerting"]["inhibit_rules"][0].update(rule))
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert caught.value.entry == "alerting.inhibit_rules[0]"
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_an_alert_without_a_drill_condition_names_the_known_ones(
    edit_catalog: CatalogEditor,
) -> None:
    def drop(raw: dict[str, Any]) -> None:
        del next(a for a in raw["alerts"] if a["name"] == "HighErrorRate")["drill"]

    with pytest.raises(CatalogError) as caught:
        load_catalog(edit_catalog(drop))
    assert caught.value.entry == "alerts[HighErrorRate]"
    assert caught.value.field == "drill"
    assert "upstream_failing" in caught.value.problem and "None" in caught.value.problem
