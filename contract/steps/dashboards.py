"""Steps of dashboards.feature."""

from __future__ import annotations

from pytest_bdd import then

from contract.assertions import require_empty, violation
from contract.checks.dashboards import DashboardError, PanelQuery, load_dashboard, panel_queries
from contract.checks.prometheus import QueryResult
from contract.context import RunContext
from contract.spec import PROMETHEUS
from contract.waiting import Poll, wait_for

ENDPOINT = "GET /api/v1/query"
DATA_WAIT_SECONDS = 45.0


@then(
    "every panel query of every generated dashboard runs on Prometheus without error",
    target_fixture="panel_answers",
)
def every_panel_query_runs(contract_run: RunContext) -> dict[PanelQuery, QueryResult]:
    """Resolve every panel target's variables and run it; none may fail."""
    queries: list[PanelQuery] = []
    for path in contract_run.tree.dashboard_files():
        try:
            found = panel_queries(load_dashboard(path))
        except DashboardError as exc:
            violation(PROMETHEUS, ENDPOINT, f"{path.name}: {exc}")
        if not found:
            violation(PROMETHEUS, ENDPOINT, f"{path.name}: no panel has a PromQL target")
        queries += found
    answers = {query: contract_run.prometheus.query(query.resolved) for query in queries}
    contract_run.stack.evidence.write_json(
        "dashboards/queries.json",
        [
            {
                "panel": q.label,
                "expr": q.expr,
                "resolved": q.resolved,
                "error": a.error,
                "series": len(a.result),
                "evidence": a.evidence,
            }
            for q, a in answers.items()
        ],
    )
    problems = [
        f"{q.label}: {q.resolved!r} failed: {a.error}" for q, a in answers.items() if a.error
    ]
    require_empty(problems, PROMETHEUS, ENDPOINT, "dashboards/queries.json")
    contract_run.progress.say(PROMETHEUS, f"{len(answers)} panel queries ran without error")
    return answers


@then("every panel query returns data")
def every_panel_query_has_data(
    contract_run: RunContext, panel_answers: dict[PanelQuery, QueryResult]
) -> None:
    """Every panel query returns at least one numeric sample (waiting for rate windows to fill)."""
    pending = {q: a for q, a in panel_answers.items() if not a.has_data()}

    def look() -> Poll[dict[PanelQuery, QueryResult]]:
        if pending:
            contract_run.more_traffic()
        for query in list(pending):
            answer = contract_run.prometheus.query(query.resolved)
            if answer.has_data():
                del pending[query]
            else:
                pending[query] = answer
        return Poll(not pending, f"{len(pending)} panel(s) without data yet", dict(pending))

    waited = wait_for(
        look,
        timeout=contract_run.timeout(DATA_WAIT_SECONDS),
        progress=contract_run.progress,
        component=PROMETHEUS,
        what="waiting for every panel to show data",
        interval=contract_run.stack.spec.scrape_interval_seconds(),
    )
    problems = [f"{q.label}: {q.resolved!r} returned no data" for q in waited.last.value]
    evidence = ", ".join(a.evidence for a in list(waited.last.value.values())[:5])
    require_empty(problems, PROMETHEUS, ENDPOINT, evidence)
