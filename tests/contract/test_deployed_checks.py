"""The deployed checks' judgements: each names what drifted, on input that shows it."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from contract.artifacts import ArtifactTree, rule_groups
from contract.deployed.links import link_problems, served_dashboard_problems
from contract.deployed.routing import (
    AmtoolError,
    alert_labels,
    cluster_problems,
    loaded_config,
    receiver_problems,
    route_problems,
    route_receivers,
)
from contract.deployed.rule_drift import changed_rule_problems, late_group_problems, normal_expr
from contract.deployed.runner import DeployedOptions, run_deployed
from contract.deployed.watchdog import (
    alertmanager_watchdog_problems,
    failed_notifications,
    prometheus_watchdog_problems,
    rising_failure_problems,
)

ROOT = Path(__file__).resolve().parents[2]
TREE = ArtifactTree(ROOT)
needs_amtool = pytest.mark.skipif(shutil.which("amtool") is None, reason="needs amtool")


def loaded_like_prometheus(groups: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Return generated groups the way /api/v1/rules shows them once loaded."""
    return [
        {
            "name": name,
            "interval": 5,
            "lastEvaluation": "2026-01-01T00:00:00Z",
            "rules": [
                {
                    "name": r.get("alert") or r.get("record"),
                    "type": "alerting" if "alert" in r else "recording",
                    # Prometheus re-prints what it loads: one spelling, not the file's.
                    "query": normal_expr(str(r["expr"])),
                    "duration": 0 if "record" in r else _seconds(str(r.get("for", "0s"))),
                    "labels": dict(r.get("labels") or {}),
                    "annotations": dict(r.get("annotations") or {}),
                }
                for r in rules
            ],
        }
        for name, rules in groups.items()
    ]


def _seconds(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(duration[:-1]) * units[duration[-1]]


def test_rules_loaded_as_generated_show_no_drift() -> None:
    expected = rule_groups(TREE)
    assert changed_rule_problems(loaded_like_prometheus(expected), expected) == []


def test_a_drifted_rule_is_named_field_by_field() -> None:
    expected = rule_groups(TREE)
    loaded = loaded_like_prometheus(expected)
    traffic = next(g for g in loaded if g["name"] == "techno-traffic")
    rule = next(r for r in traffic["rules"] if r["name"] == "HighErrorRate")
    rule["query"] = rule["query"].replace("0.05", "0.5")
    rule["duration"] = 60
    rule["labels"]["severity"] = "ticket"
    rule["annotations"]["runbook_url"] = "elsewhere.md"
    traffic["rules"].append({"name": "HandMade", "type": "alerting", "query": "vector(1)"})
    problems = changed_rule_problems(loaded, expected)
    assert [p.split(":")[0] for p in problems] == [
        "group 'techno-traffic' rule 'HighErrorRate'"
    ] * 4 + ["group 'techno-traffic'"]
    assert "query is" in problems[0] and "0.5" in problems[0]
    assert "duration is 60.0, the generated file says 300" in problems[1]
    assert "'severity': 'ticket'" in problems[2]
    assert "elsewhere.md" in problems[3]
    assert problems[4] == "group 'techno-traffic': rule 'HandMade' is loaded but not generated"


def test_the_same_expression_spelled_otherwise_is_not_drift() -> None:
    assert normal_expr("sum(rate(x[5m]))>0") == normal_expr("sum(\n  rate(x[5m])\n) > 0")
    assert normal_expr("sum(rate(x[5m])) > 0") != normal_expr("sum(rate(x[5m])) > 1")
    # Prometheus prints a selector's matchers in its own order.
    assert normal_expr('x{route="/p",le="0.25"}') == normal_expr('x{le="0.25", route="/p"}')
    assert normal_expr('x{a="1,}",b=~"2"}') == normal_expr('x{b=~"2",a="1,}"}')
    assert normal_expr('x{a="1"}') != normal_expr('x{a!="1"}')


def test_a_group_not_evaluated_lately_is_named() -> None:
    groups = [
        {"name": "fresh", "interval": 5, "lastEvaluation": "2026-01-01T00:00:50Z"},
        {"name": "stale", "interval": 30, "lastEvaluation": "2026-01-01T00:00:00.5Z"},
        {"name": "never", "interval": 5, "lastEvaluation": "bogus"},
        {"name": "not-ours", "interval": 5, "lastEvaluation": "2020-01-01T00:00:00Z"},
    ]
    now = datetime(2026, 1, 1, 0, 1, 40, tzinfo=UTC)
    problems = late_group_problems(groups, dict.fromkeys(["fresh", "stale", "never"]), now)
    assert len(problems) == 2
    assert problems[0].startswith("group 'stale': last evaluated at 2026-01-01T00:00:00.5Z")
    assert "over 90s" in problems[0]
    assert problems[1] == "group 'never': lastEvaluation 'bogus' is not a timestamp"
    later = now + timedelta(seconds=1)
    assert late_group_problems(groups[:1], {"fresh": None}, later) == []


def generated_routes() -> dict[str, str]:
    alerts = alert_labels(rule_groups(TREE))
    return route_receivers(TREE.alertmanager_config.read_text(encoding="utf-8"), alerts)


@needs_amtool
def test_amtool_routes_every_alert_to_its_severity_and_the_watchdog_to_its_own() -> None:
    routes = generated_routes()
    assert routes["Watchdog"] == "watchdog"
    assert routes["BackendDown"] == "page"
    assert routes["HighLatencyP95"] == "ticket"
    assert set(routes.values()) == {"page", "ticket", "watchdog"}


@needs_amtool
def test_a_wrong_route_and_a_missing_receiver_are_named() -> None:
    expected = generated_routes()
    text = TREE.alertmanager_config.read_text(encoding="utf-8")
    wrong = text.replace('- receiver: "page"', '- receiver: "ticket"', 1)
    alerts = alert_labels(rule_groups(TREE))
    problems = route_problems(expected, route_receivers(wrong, alerts))
    assert "alert 'BackendDown' routes to 'ticket', the catalog routes it to 'page'" in problems
    assert all("'page'" in p for p in problems)
    _, parsed = loaded_config({"config": {"original": text}})
    parsed["receivers"] = [r for r in parsed["receivers"] if r["name"] != "watchdog"]
    assert receiver_problems(parsed, expected) == [
        "receiver 'watchdog' is not defined in the loaded config"
    ]


@needs_amtool
def test_a_config_amtool_refuses_is_an_error_naming_amtool() -> None:
    with pytest.raises(AmtoolError, match="rejected the config"):
        route_receivers("route: [not, a, route]\n", alert_labels(rule_groups(TREE)))


def test_a_status_without_config_is_refused() -> None:
    with pytest.raises(ValueError, match=r"no config\.original"):
        loaded_config({"config": {}})
    with pytest.raises(ValueError, match="not a YAML mapping"):
        loaded_config({"config": {"original": "- a list\n"}})


def test_an_alertmanager_cluster_must_be_ready_and_whole() -> None:
    ready = {"cluster": {"status": "ready", "peers": [{}, {}]}}
    assert cluster_problems({"am0": ready}) == []
    assert cluster_problems({"am0": ready, "am1": copy.deepcopy(ready)}) == []
    alone = {"cluster": {"status": "settling", "peers": [{}]}}
    assert cluster_problems({"am0": ready, "am1": alone}) == [
        "am1: cluster status is 'settling', not 'ready'",
        "am1: sees 1 cluster peer(s), STACK.yaml names 2",
    ]


def test_the_watchdog_must_fire_in_prometheus() -> None:
    firing = [{"labels": {"alertname": "Watchdog"}, "state": "firing"}]
    assert prometheus_watchdog_problems(firing) == []
    assert prometheus_watchdog_problems([]) == [
        "alert 'Watchdog' is not pending or firing (the dead man's switch is silent)"
    ]
    pending = [{"labels": {"alertname": "Watchdog"}, "state": "pending"}]
    assert prometheus_watchdog_problems(pending) == ["alert 'Watchdog' is pending, not firing"]


def test_the_watchdog_must_be_active_in_alertmanager_for_its_receiver() -> None:
    def alert(state: str, receiver: str) -> dict[str, Any]:
        return {
            "labels": {"alertname": "Watchdog"},
            "status": {"state": state},
            "receivers": [{"name": receiver}],
        }

    assert alertmanager_watchdog_problems([alert("active", "watchdog")], "watchdog") == []
    assert alertmanager_watchdog_problems([], "watchdog") == [
        "alert 'Watchdog' is not in Alertmanager (Prometheus does not reach it?)"
    ]
    assert alertmanager_watchdog_problems([alert("suppressed", "page")], "watchdog") == [
        "alert 'Watchdog' is 'suppressed' in Alertmanager, not 'active'",
        "alert 'Watchdog' goes to ['page'], the catalog says ['watchdog']",
    ]


def test_a_rising_failed_notification_counter_is_named() -> None:
    before = failed_notifications(
        "# TYPE alertmanager_notifications_failed_total counter\n"
        'alertmanager_notifications_failed_total{integration="webhook"} 2\n'
        'alertmanager_notifications_failed_total{integration="email"} 0\n'
    )
    assert before == {"webhook": 2.0, "email": 0.0}
    after = {"webhook": 5.0, "email": 0.0}
    assert rising_failure_problems(before, before, 10) == []
    assert rising_failure_problems(before, after, 10) == [
        "alertmanager_notifications_failed_total{integration='webhook'} rose from 2 to 5 in 10s"
    ]


def dashboards() -> dict[str, dict[str, Any]]:
    loaded = (json.loads(p.read_text(encoding="utf-8")) for p in TREE.dashboard_files())
    return {str(d["uid"]): d for d in loaded}


def test_every_generated_runbook_link_resolves_and_a_broken_one_is_named() -> None:
    runbooks = {p.name: p.read_text(encoding="utf-8") for p in TREE.runbook_files()}
    assert link_problems(runbooks, dashboards(), "dashboards/") == []
    broken = {"X.md": "see /d/techno-overview?viewPanel=999 and /d/gone?viewPanel=1"}
    assert link_problems(broken, dashboards(), "Grafana") == [
        "X.md: links panel 999 of 'techno-overview', which has no such panel",
        "X.md: links dashboard 'gone', which Grafana does not serve",
    ]


def test_grafana_must_serve_every_dashboard_at_its_version_with_its_panels() -> None:
    generated = dashboards()
    assert served_dashboard_problems(generated, copy.deepcopy(generated)) == []
    served: dict[str, dict[str, Any] | None] = {**copy.deepcopy(generated), "techno-gates": None}
    old = served["techno-overview"]
    assert old is not None
    old["version"] = -1
    old["panels"] = old["panels"][:1]
    problems = served_dashboard_problems(generated, served)
    assert "dashboard 'techno-gates' is not served" in problems
    assert any(p.startswith("dashboard 'techno-overview': version is -1") for p in problems)
    assert any("panels [" in p and "are not served" in p for p in problems)


def test_a_drill_against_production_is_refused_before_any_request(tmp_path: Path) -> None:
    stack = tmp_path / "STACK.yaml"
    stack.write_text(
        "production: true\nbackend: http://127.0.0.1:19\nprometheus: http://127.0.0.1:29\n"
        "alertmanager: http://127.0.0.1:39\n",
        encoding="utf-8",
    )
    options = DeployedOptions(
        stack_file=stack,
        artifacts=ROOT,
        catalog=ROOT / "obs" / "catalog.yaml",
        evidence_dir=tmp_path / "evidence",
        allow_drill=True,
    )
    assert run_deployed(options) != 0
    summary = json.loads((tmp_path / "evidence" / "summary.json").read_text(encoding="utf-8"))
    assert "--allow-drill refused" in summary["run_error"]
    assert "production: true" in summary["run_error"]
    assert not list((tmp_path / "evidence").glob("api/*"))
