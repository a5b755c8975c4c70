"""The rule files carry the alerts, recording rules and burn-rate shapes the spec asks for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def _rules(root: Path) -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for path in sorted((root / "alerts").glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                rules[rule.get("alert") or f"{rule['record']}{rule['labels']}"] = rule
    return rules


def test_backend_down_is_up_equals_zero_for_30s(generated_tree: Path) -> None:
    rule = _rules(generated_tree)["BackendDown"]
    assert rule["expr"] == 'up{job="techno-backend"} == 0'
    assert rule["for"] == "30s"
    assert rule["labels"] == {"severity": "page"}
    assert rule["annotations"]["runbook_url"] == "http://127.0.0.1:8088/runbooks/BackendDown.md"
    assert rule["annotations"]["dashboard_url"] == (
        "http://127.0.0.1:3000/d/techno-overview/techno-backend-overview?viewPanel=1"
    )


def test_target_absent_uses_absent_up(generated_tree: Path) -> None:
    assert _rules(generated_tree)["BackendTargetAbsent"]["expr"] == (
        'absent(up{job="techno-backend"})'
    )


def test_the_watchdog_always_fires_and_routes_to_its_own_receiver(generated_tree: Path) -> None:
    rule = _rules(generated_tree)["Watchdog"]
    assert (rule["expr"], rule["for"], rule["labels"]) == (
        "vector(1)",
        "0s",
        {"severity": "watchdog"},
    )
    config = yaml.safe_load(
        (generated_tree / "deploy/alertmanager/alertmanager.yml").read_text(encoding="utf-8")
    )
    routes = {r["receiver"]: r["matchers"] for r in config["route"]["routes"]}
    assert routes["watchdog"] == ['severity="watchdog"']
    assert "watchdog" in {r["name"] for r in config["receivers"]}


def test_every_alert_has_severity_summary_description_and_runbook(generated_tree: Path) -> None:
    alerts = {k: v for k, v in _rules(generated_tree).items() if "alert" in v}
    assert len(alerts) == 13
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"page", "ticket", "watchdog"}, name
        assert set(rule["annotations"]) == {
            "summary",
            "description",
            "runbook_url",
            "dashboard_url",
        }, name
        assert rule["annotations"]["runbook_url"] == f"http://127.0.0.1:8088/runbooks/{name}.md"


def test_slo_recording_rules_cover_every_burn_window(generated_tree: Path) -> None:
    rules = _rules(generated_tree)
    for slo in ("availability", "latency"):
        for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"):
            assert f"techno:slo_errors:ratio_rate{window}{{'slo': '{slo}'}}" in rules


def test_page_and_ticket_follow_the_multiwindow_shape(generated_tree: Path) -> None:
    rules = _rules(generated_tree)
    page = rules["AvailabilitySLOBurnRatePage"]["expr"]
    ticket = rules["AvailabilitySLOBurnRateTicket"]["expr"]
    assert 'ratio_rate1h{slo="availability"} > (14.4 * (1 - 0.999))' in page
    assert 'ratio_rate5m{slo="availability"} > (14.4 * (1 - 0.999))' in page
    assert 'ratio_rate6h{slo="availability"} > (6 * (1 - 0.999))' in page
    assert 'ratio_rate30m{slo="availability"} > (6 * (1 - 0.999))' in page
    assert 'ratio_rate1d{slo="availability"} > (3 * (1 - 0.999))' in ticket
    assert 'ratio_rate2h{slo="availability"} > (3 * (1 - 0.999))' in ticket
    assert 'ratio_rate3d{slo="availability"} > (1 * (1 - 0.999))' in ticket
    assert 'ratio_rate6h{slo="availability"} > (1 * (1 - 0.999))' in ticket
    assert rules["AvailabilitySLOBurnRatePage"]["labels"]["severity"] == "page"
    assert rules["AvailabilitySLOBurnRateTicket"]["labels"]["severity"] == "ticket"


def test_latency_slo_counts_requests_under_the_bucket_threshold(generated_tree: Path) -> None:
    rule = _rules(generated_tree)["techno:slo_errors:ratio_rate5m{'slo': 'latency'}"]
    assert 'techno_http_request_duration_seconds_bucket{route="/process",le="0.25"}' in rule["expr"]


def test_each_promtool_test_has_a_firing_and_a_silent_case(generated_tree: Path) -> None:
    for path in sorted((generated_tree / "alerts/tests").glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        expectations = [t["alert_rule_test"][0] for t in document["tests"]]
        assert {e["alertname"] for e in expectations} == {path.stem}
        firing = [e for e in expectations if e["exp_alerts"]]
        silent = [e for e in expectations if not e["exp_alerts"]]
        if path.stem == "Watchdog":
            # It has no condition: both cases fire, the second with the backend down too.
            assert len(firing) == 2 and not silent
        else:
            assert firing and silent, path.name
        for case in firing:
            alert = case["exp_alerts"][0]
            assert "severity" in alert["exp_labels"]
            assert set(alert["exp_annotations"]) == {
                "summary",
                "description",
                "runbook_url",
                "dashboard_url",
            }
