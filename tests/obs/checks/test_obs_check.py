"""`python -m obs check` runs the real promtool and amtool and names what is broken."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import promql_parser
import pytest

from obs.catalog import DEFAULT_CATALOG_PATH
from obs.checks import tools
from obs.checks.queries import Query, synthetic_rule_file
from obs.checks.run import run_checks
from obs.cli import main
from obs.generate.artifacts import owned_files


@pytest.fixture
def tree(generated_tree: Path, tmp_path: Path) -> Path:
    """A private, editable copy of a freshly generated artifact tree."""
    for relative in owned_files(generated_tree):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated_tree / relative, tmp_path / relative)
    return tmp_path


def _failures(root: Path) -> dict[str, tuple[str, ...]]:
    return {o.name: o.failures for o in run_checks(root, DEFAULT_CATALOG_PATH)}


def test_every_check_passes_on_the_generated_tree(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--root", str(tree)]) == 0
    out = capsys.readouterr().out
    for line in (
        "ok   catalog lint",
        "ok   promtool check rules",
        "ok   promtool check config",
        "ok   promtool test rules",
        "ok   amtool check-config",
        "ok   PromQL of dashboards and runbooks",
        "ok   dashboards against Grafana's model",
        "ok   dashboard datasources are provisioned",
    ):
        assert line in out


def test_a_broken_rule_file_fails_promtool_naming_the_file(tree: Path) -> None:
    path = tree / "alerts/traffic.yml"
    path.write_text(path.read_text().replace("> 0.05", "> > 0.05"), encoding="utf-8")
    failures = _failures(tree)["promtool check rules"]
    assert failures and "alerts/traffic.yml" in failures[0]


def test_a_rule_that_no_longer_matches_its_test_fails_promtool_test(tree: Path) -> None:
    # The committed test still expects the 5% threshold; a hand edit to 60% must be caught.
    path = tree / "alerts/traffic.yml"
    path.write_text(path.read_text().replace("> 0.05", "> 0.6"), encoding="utf-8")
    failures = _failures(tree)["promtool test rules"]
    assert failures and "HighErrorRate" in failures[0] and "FAILED" in failures[0]


def test_a_broken_alertmanager_config_fails_amtool(tree: Path) -> None:
    path = tree / "deploy/alertmanager/alertmanager.yml"
    path.write_text(
        path.read_text().replace("receiver: default", "receiver: nobody", 1), encoding="utf-8"
    )
    failures = _failures(tree)["amtool check-config"]
    assert failures and "deploy/alertmanager/alertmanager.yml" in failures[0]


def test_a_dashboard_on_an_unprovisioned_datasource_names_dashboard_panel_and_uid(
    tree: Path,
) -> None:
    path = tree / "dashboards/techno-overview.json"
    text = path.read_text()
    path.write_text(text.replace('"${datasource}"', '"gone-prometheus"', 1), encoding="utf-8")
    failures = _failures(tree)["dashboard datasources are provisioned"]
    assert len(failures) == 1
    assert failures[0].startswith(
        "dashboards/techno-overview.json: dashboard 'techno-overview' panel"
    )
    assert "datasource uid 'gone-prometheus' is not provisioned" in failures[0]


def test_a_broken_prometheus_config_fails_promtool(tree: Path) -> None:
    path = tree / "deploy/prometheus/prometheus.yml"
    path.write_text(
        path.read_text().replace("scrape_interval: 5s", "scrape_interval: soon"), encoding="utf-8"
    )
    assert _failures(tree)["promtool check config"]


def test_a_bad_dashboard_query_is_named_by_file_and_panel(tree: Path) -> None:
    path = tree / "dashboards/techno-gates.json"
    text = path.read_text().replace("techno_pipeline_requests_total", "techno_pipeline_total")
    path.write_text(text, encoding="utf-8")
    failures = _failures(tree)["PromQL of dashboards and runbooks"]
    assert any(
        "dashboards/techno-gates.json panel 'Pipeline outcomes'" in f and "unknown metric" in f
        for f in failures
    )


def test_promtool_names_the_source_of_an_unparseable_query(tmp_path: Path) -> None:
    synthetic = tmp_path / "queries.yml"
    synthetic.write_text(synthetic_rule_file([Query("dashboards/x.json panel 'P' A", "sum(")]))
    result = tools.run("promtool", "check", "rules", str(synthetic), cwd=tmp_path)
    assert not result.ok
    assert "dashboards/x.json panel 'P' A" in result.output


def test_an_invalid_dashboard_model_fails_the_dashboard_check(tree: Path) -> None:
    path = tree / "dashboards/techno-slo.json"
    path.write_text(path.read_text().replace('"graphTooltip": 1', '"graphTooltip": "shared"'))
    failures = _failures(tree)["dashboards against Grafana's model"]
    assert failures == (
        "dashboards/techno-slo.json: dashboard.graph_tooltip: 'shared' is not one of [0, 1, 2]",
    )


def test_an_alert_without_runbook_or_test_is_reported(tree: Path) -> None:
    (tree / "runbooks/GateDenySpike.md").unlink()
    (tree / "alerts/tests/GateDenySpike.yml").unlink()
    failures = _failures(tree)["alert labels, annotations, runbooks and tests"]
    assert "alerts/gates.yml: GateDenySpike: runbooks/GateDenySpike.md is missing" in failures
    assert any("alerts/tests/GateDenySpike.yml (promtool test) is missing" in f for f in failures)


def test_missing_binary_names_it_and_how_to_install(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    assert main(["check", "--root", str(tree)]) == 2
    err = capsys.readouterr().err
    assert "'promtool' not found on PATH" in err
    assert "apt-get install prometheus" in err


def test_runbook_queries_parse(generated_tree: Path) -> None:
    blocks = []
    for path in sorted((generated_tree / "runbooks").glob("*.md")):
        blocks += re.findall(r"```promql\n(.*?)\n\s*```", path.read_text(), flags=re.S)
    assert len(blocks) > 12
    for block in blocks:
        promql_parser.parse(block.strip())
