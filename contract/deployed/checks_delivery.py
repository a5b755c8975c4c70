"""Read-only checks of a deployed stack's delivery path: routing, the Watchdog, Grafana, links."""

from __future__ import annotations

import time
from typing import Any

from contract.artifacts import rule_groups
from contract.assertions import require_empty
from contract.checks.dashboards import load_dashboard
from contract.deployed.context import DeployedRun, fail
from contract.deployed.http import DeployedRequestError
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
from contract.deployed.watchdog import (
    WATCHDOG,
    alertmanager_watchdog_problems,
    failed_notifications,
    prometheus_watchdog_problems,
    rising_failure_problems,
)
from contract.evidence import evidence_of

STATUS = "GET /api/v2/status"


def _expected_routes(run: DeployedRun) -> dict[str, str]:
    """Return alert → receiver as the generated (catalog's) Alertmanager config routes it."""
    alerts = alert_labels(rule_groups(run.tree))
    text = run.tree.alertmanager_config.read_text(encoding="utf-8")
    try:
        return route_receivers(text, alerts)
    except AmtoolError as exc:
        fail(run.stack.alertmanagers[0], "amtool", f"{run.tree.alertmanager_config}: {exc}")


def alertmanager(run: DeployedRun) -> str:
    """Each Alertmanager's loaded config routes every catalog alert to the catalog's receiver."""
    expected = _expected_routes(run)
    alerts = alert_labels(rule_groups(run.tree))
    statuses: dict[str, dict[str, Any]] = {}
    for endpoint in run.stack.alertmanagers:
        status, evidence = run.get_json(endpoint, "/api/v2/status")
        statuses[endpoint.name] = status
        try:
            text, parsed = loaded_config(status)
            loaded = route_receivers(text, alerts)
        except (ValueError, AmtoolError) as exc:
            fail(endpoint, STATUS, str(exc), evidence)
        run.evidence.write_json(f"alertmanager/{endpoint.name}-routes.json", loaded)
        problems = receiver_problems(parsed, expected) + route_problems(expected, loaded)
        require_empty(problems, endpoint.name, f"{STATUS} + amtool config routes test", evidence)
    require_empty(cluster_problems(statuses), "alertmanager", STATUS)
    receivers = sorted(set(expected.values()))
    routed = f"{len(expected)} alert(s) route to {', '.join(receivers)}"
    return f"{routed} on {len(statuses)} Alertmanager(s)"


def _watchdog_receiver(run: DeployedRun) -> str:
    expected = _expected_routes(run)
    if WATCHDOG not in expected:
        fail(run.stack.prometheus, "alerts/*.yml", f"the generated rules hold no {WATCHDOG} alert")
    return expected[WATCHDOG]


def watchdog(run: DeployedRun) -> str:
    """The Watchdog fires in Prometheus, is active in every Alertmanager, and nothing fails."""
    receiver = _watchdog_receiver(run)
    data, evidence = run.prometheus.get("/api/v1/alerts")
    problems = prometheus_watchdog_problems(data.get("alerts") or [])
    require_empty(problems, run.stack.prometheus.name, "GET /api/v1/alerts", evidence)
    before: dict[str, dict[str, float]] = {}
    for endpoint in run.stack.alertmanagers:
        alerts, evidence = run.get_json(endpoint, f'/api/v2/alerts?filter=alertname="{WATCHDOG}"')
        problems = alertmanager_watchdog_problems(alerts, receiver)
        require_empty(problems, endpoint.name, "GET /api/v2/alerts", evidence)
        before[endpoint.name] = failed_notifications(run.get(endpoint, "/metrics").text)
    # Two reads apart: a counter that has risen at some time in the past is history, not news.
    started = time.monotonic()
    time.sleep(run.watch_seconds)
    for endpoint in run.stack.alertmanagers:
        response = run.get(endpoint, "/metrics")
        after = failed_notifications(response.text)
        seconds = round(time.monotonic() - started, 1)
        problems = rising_failure_problems(before[endpoint.name], after, seconds)
        require_empty(problems, endpoint.name, "GET /metrics", evidence_of(response))
    return (
        f"{WATCHDOG} firing, active for {receiver!r}; no failed notification in "
        f"{run.watch_seconds:g}s"
    )


def _generated_dashboards(run: DeployedRun) -> dict[str, dict[str, Any]]:
    dashboards = (load_dashboard(path) for path in run.tree.dashboard_files())
    return {str(d.get("uid")): d for d in dashboards}


def grafana(run: DeployedRun) -> str:
    """Grafana serves every generated dashboard at its uid and version; runbook links resolve."""
    endpoint = run.stack.grafana
    assert endpoint is not None
    generated = _generated_dashboards(run)
    served: dict[str, dict[str, Any] | None] = {}
    for uid in generated:
        try:
            response = run.session.get(f"{endpoint.url}/api/dashboards/uid/{uid}")
        except DeployedRequestError as exc:
            fail(endpoint, f"GET /api/dashboards/uid/{uid}", str(exc))
        if response.status_code == 404:
            served[uid] = None
            continue
        if response.status_code != 200:
            fail(
                endpoint, f"GET /api/dashboards/uid/{uid}", f"answered HTTP {response.status_code}"
            )
        try:
            served[uid] = (response.json() or {}).get("dashboard") or {}
        except (ValueError, AttributeError):
            fail(endpoint, f"GET /api/dashboards/uid/{uid}", "answer is not a dashboard JSON")
    problems = served_dashboard_problems(generated, served)
    problems += _link_problems(
        run, {u: d for u, d in served.items() if d}, f"Grafana {endpoint.url}"
    )
    require_empty(problems, endpoint.name, "GET /api/dashboards/uid/<uid>")
    return f"{len(generated)} dashboard(s) served at their uid and version"


def _link_problems(
    run: DeployedRun, dashboards: dict[str, dict[str, Any]], where: str
) -> list[str]:
    runbooks = {p.name: p.read_text(encoding="utf-8") for p in run.tree.runbook_files()}
    return link_problems(runbooks, dashboards, where)


def links(run: DeployedRun) -> str:
    """Every runbook's dashboard link names a generated dashboard uid and panel."""
    problems = _link_problems(run, _generated_dashboards(run), "dashboards/")
    require_empty(problems, "runbooks", "runbook dashboard links")
    return "every runbook dashboard link names a generated dashboard and panel"
