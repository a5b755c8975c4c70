"""Steps of runbooks.feature."""

from __future__ import annotations

import json

from pytest_bdd import then

from contract.assertions import require_empty
from contract.checks.runbooks import linked_runbooks, promql_blocks, runbook_queries
from contract.checks.series import Source, wanted_selectors
from contract.context import RunContext
from contract.spec import PROMETHEUS
from contract.steps.series import prove_selectors
from obs.checks.links import LinkBases, link_problems, loaded_alerts


def _linked_runbooks(run: RunContext) -> tuple[dict[str, str], list[str], str]:
    """Return alert → runbook file name for every loaded alert, the problems, and the evidence."""
    data, evidence = run.prometheus.get("/api/v1/rules?type=alert")
    linked, problems = linked_runbooks(data.get("groups") or [], run.tree.runbooks_dir)
    return linked, problems, evidence


@then("every alert Prometheus has loaded has a runbook_url naming a generated runbook")
def every_alert_links_runbook(contract_run: RunContext) -> None:
    """Every loaded alert's runbook_url names a file under runbooks/."""
    _, problems, evidence = _linked_runbooks(contract_run)
    require_empty(problems, PROMETHEUS, "GET /api/v1/rules?type=alert", evidence)


@then("every alert Prometheus has loaded links its runbook and the panel plotting its expression")
def every_alert_links_open(contract_run: RunContext) -> None:
    """Every loaded alert's absolute links name its runbook page and a panel reading its series."""
    data, evidence = contract_run.prometheus.get("/api/v1/rules?type=alert")
    alerts = loaded_alerts(data.get("groups") or [])
    alerting = contract_run.catalog.alerting
    dashboards = {}
    for path in contract_run.tree.dashboard_files():
        document = json.loads(path.read_text(encoding="utf-8"))
        dashboards[str(document.get("uid"))] = document
    problems = link_problems(
        alerts,
        LinkBases(alerting.runbook_base_url, alerting.grafana_base_url),
        dashboards,
        contract_run.tree.runbooks_dir,
    )
    if not alerts:
        problems.append("Prometheus has loaded no alerting rule at all")
    contract_run.progress.say(PROMETHEUS, f"checked the links of {len(alerts)} loaded alerts")
    require_empty(problems, PROMETHEUS, "GET /api/v1/rules?type=alert", evidence)


@then("every PromQL block of every generated runbook runs on Prometheus without error")
def every_runbook_query_runs(contract_run: RunContext) -> None:
    """Every ```promql block of every runbook runs; a linked runbook must hold at least one."""
    linked, _, _ = _linked_runbooks(contract_run)
    wanted = set(linked.values())
    problems: list[str] = []
    evidence: list[str] = []
    ran = 0
    for path in contract_run.tree.runbook_files():
        blocks = promql_blocks(path.read_text(encoding="utf-8"))
        if not blocks and path.name in wanted:
            problems.append(f"{path.name}: linked from an alert but holds no ```promql block")
        for block in blocks:
            answer = contract_run.prometheus.query(block)
            ran += 1
            if answer.error:
                problems.append(f"{path.name}: query {block!r} failed: {answer.error}")
                evidence.append(answer.evidence)
    contract_run.progress.say(PROMETHEUS, f"ran {ran} runbook queries")
    require_empty(problems, PROMETHEUS, "GET /api/v1/query", ", ".join(evidence[:5]))


@then("every selector of every runbook query selects at least one live series")
def every_runbook_selector_selects(contract_run: RunContext) -> None:
    """Every selector of every runbook query selects a series, unless it is meant to be empty."""
    tree = contract_run.tree
    sources = [
        Source(f"{tree.relative(path)} {query.step}", query.expr)
        for path in tree.runbook_files()
        for query in runbook_queries(path.read_text(encoding="utf-8"))
    ]
    prove_selectors(
        contract_run,
        wanted_selectors(sources),
        evidence="series/runbooks.json",
        what="every runbook query",
    )
