"""Every alert link opens its runbook and the panel plotting its expression, checked offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from obs.catalog import DEFAULT_CATALOG_PATH
from obs.checks.links import LinkBases, LinkedAlert, link_problems
from obs.checks.run import run_checks
from obs.generate.artifacts import owned_files

BASES = LinkBases("https://git.example.com/ops/blob/main/runbooks", "https://grafana.example.com")
GOOD_RUNBOOK = "https://git.example.com/ops/blob/main/runbooks/HighErrorRate.md"
GOOD_PANEL = "https://grafana.example.com/d/techno-overview/techno-backend-overview?viewPanel=2"
EXPR = (
    'sum(rate(techno_http_requests_total{route="/process",status=~"5.."}[5m]))'
    ' / sum(rate(techno_http_requests_total{route="/process"}[5m])) > 0.05'
)
PANEL_EXPR = (
    'sum(rate(techno_http_requests_total{status=~"5..",route="/process"}[$__rate_interval]))'
    ' / sum(rate(techno_http_requests_total{route="/process"}[$__rate_interval]))'
)


def _dashboards(expr: str = PANEL_EXPR) -> dict[str, dict[str, Any]]:
    panels = [
        {"id": 1, "title": "Throughput", "targets": [{"expr": "sum(techno_requests_in_flight)"}]},
        {"id": 2, "title": "Error ratio", "targets": [{"expr": expr}]},
    ]
    return {"techno-overview": {"uid": "techno-overview", "panels": panels}}


@pytest.fixture
def runbooks(tmp_path: Path) -> Path:
    (tmp_path / "HighErrorRate.md").write_text("# HighErrorRate\n", encoding="utf-8")
    return tmp_path


def _problems(
    runbooks: Path, dashboards: dict[str, Any] | None = None, *, links: dict[str, str] | None = None
) -> list[str]:
    annotations = {"runbook_url": GOOD_RUNBOOK, "dashboard_url": GOOD_PANEL, **(links or {})}
    alert = LinkedAlert("HighErrorRate", EXPR, annotations)
    return link_problems(
        [alert], BASES, _dashboards() if dashboards is None else dashboards, runbooks
    )


def test_links_to_an_existing_runbook_and_a_panel_reading_the_same_series_pass(
    runbooks: Path,
) -> None:
    # Matcher order, ranges and Grafana's range variables do not matter.
    assert _problems(runbooks) == []


@pytest.mark.parametrize(
    ("links", "problem"),
    [
        ({"runbook_url": "runbooks/HighErrorRate.md"}, "is not under runbook_base_url"),
        ({"runbook_url": GOOD_RUNBOOK.replace("HighErrorRate", "Other")}, "should end"),
        ({"runbook_url": ""}, "has no runbook_url annotation"),
        ({"dashboard_url": ""}, "has no dashboard_url annotation"),
        (
            {"dashboard_url": "http://127.0.0.1:3000/d/x/y?viewPanel=2"},
            "not under grafana_base_url",
        ),
        ({"dashboard_url": GOOD_PANEL.replace("viewPanel=2", "panel=2")}, "viewPanel=<id>"),
        ({"dashboard_url": GOOD_PANEL.replace("/d/techno-overview", "/d/nope")}, "uid 'nope'"),
        ({"dashboard_url": GOOD_PANEL.replace("=2", "=9")}, "has no panel with id 9"),
        (
            {"dashboard_url": GOOD_PANEL.replace("=2", "=1")},
            "panel 'Throughput' does not plot the alert's expression: no query selects "
            'techno_http_requests_total{route="/process",status=~"5.."}, '
            'techno_http_requests_total{route="/process"}',
        ),
    ],
)
def test_a_broken_link_names_the_alert_and_what_does_not_open(
    runbooks: Path, links: dict[str, str], problem: str
) -> None:
    (found,) = _problems(runbooks, links=links)
    assert found.startswith("alert 'HighErrorRate'")
    assert problem in found


def test_a_missing_runbook_page_is_named(runbooks: Path) -> None:
    (runbooks / "HighErrorRate.md").unlink()
    (found,) = _problems(runbooks)
    assert "names HighErrorRate.md, not in" in found


def test_a_panel_reading_fewer_series_than_the_alert_is_refused(runbooks: Path) -> None:
    narrower = 'sum(rate(techno_http_requests_total{route="/process"}[$__rate_interval]))'
    (found,) = _problems(runbooks, _dashboards(narrower))
    assert 'no query selects techno_http_requests_total{route="/process",status=~"5.."}' in found


def test_obs_check_reports_a_generated_panel_that_stopped_plotting_its_alert(
    generated_tree: Path, tmp_path: Path
) -> None:
    for relative in owned_files(generated_tree):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated_tree / relative, tmp_path / relative)
    path = tmp_path / "dashboards/techno-executors.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    panel = next(p for p in document["panels"] if p["title"] == "Executor failure ratio")
    panel["targets"][0]["expr"] = "sum(rate(techno_executor_calls_total[$__rate_interval]))"
    path.write_text(json.dumps(document), encoding="utf-8")
    outcomes = {o.name: o.failures for o in run_checks(tmp_path, DEFAULT_CATALOG_PATH)}
    (found,) = outcomes["alert runbook and dashboard links"]
    assert found.startswith("alert 'ExecutorFailures': dashboard_url http://127.0.0.1:3000/d/")
    assert 'no query selects techno_executor_calls_total{outcome!="success"}' in found
