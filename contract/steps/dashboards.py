"""Steps of dashboards.feature."""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml
from pytest_bdd import then

from contract.assertions import require_empty, violation
from contract.checks.dashboards import DashboardError, PanelQuery, load_dashboard, panel_queries
from contract.checks.prometheus import QueryResult
from contract.checks.series import Source, wanted_selectors
from contract.context import RunContext
from contract.rewrite import AddressMap
from contract.spec import GRAFANA, PROMETHEUS
from contract.steps.series import prove_selectors
from contract.waiting import Poll, wait_for
from obs.checks.datasources import Datasource, datasource_errors, provisioned_datasources

ENDPOINT = "GET /api/v1/query"
DATA_WAIT_SECONDS = 45.0


def _panel_queries(run: RunContext) -> list[PanelQuery]:
    """Return every panel target of every generated dashboard, variables resolved."""
    __tracebackhide__ = True
    queries: list[PanelQuery] = []
    for path in run.tree.dashboard_files():
        try:
            found = panel_queries(load_dashboard(path))
        except DashboardError as exc:
            violation(PROMETHEUS, ENDPOINT, f"{path.name}: {exc}")
        if not found:
            violation(PROMETHEUS, ENDPOINT, f"{path.name}: no panel has a PromQL target")
        queries += found
    return queries


@then(
    "every panel query of every generated dashboard runs on Prometheus without error",
    target_fixture="panel_answers",
)
def every_panel_query_runs(contract_run: RunContext) -> dict[PanelQuery, QueryResult]:
    """Resolve every panel target's variables and run it; none may fail."""
    queries = _panel_queries(contract_run)
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


@then("every selector of every panel query selects at least one live series")
def every_panel_selector_selects(contract_run: RunContext) -> None:
    """Every selector of every panel target selects a series, unless it is meant to be empty."""
    sources = [Source(q.label, q.resolved) for q in _panel_queries(contract_run)]
    prove_selectors(
        contract_run,
        wanted_selectors(sources),
        evidence="series/dashboards.json",
        what="every panel query",
    )


def _loaded_datasources(run: RunContext) -> tuple[list[Datasource], str]:
    """Return the provisioned datasources this run gave Grafana, and where they were read."""
    evidence = run.stack.evidence
    if run.stack.spec.has(GRAFANA):
        # Exactly what the stack wrote for Grafana to load.
        where = "configs/grafana/provisioning/datasources"
        paths = sorted(evidence.path(where).glob("*.yml"))
        texts = {f"{where}/{p.name}": p.read_text(encoding="utf-8") for p in paths}
    else:
        # Grafana is not run: render its provisioning for this stack, through the same rewrite.
        prometheus = run.stack.spec.component(PROMETHEUS)
        netloc = urlsplit(run.stack.url(PROMETHEUS)).netloc
        rendered = run.stack.spec.grafana_datasources(AddressMap({prometheus.default_port: netloc}))
        where = "dashboards/provisioning/datasources"
        texts = {f"dashboards/{name}": text for name, text in rendered.files.items()}
        for relative, text in texts.items():
            evidence.write_text(relative, text)
    if not texts:
        violation(GRAFANA, "datasource provisioning", f"no provisioning file in {where}")
    configs = [yaml.safe_load(text) or {} for text in texts.values()]
    return provisioned_datasources(configs), ", ".join(texts)


@then("every datasource reference of every generated dashboard names a provisioned datasource")
def every_datasource_provisioned(contract_run: RunContext) -> None:
    """Every panel, target, variable and annotation datasource resolves to the provisioning."""
    provisioned, evidence = _loaded_datasources(contract_run)
    problems: list[str] = []
    for path in contract_run.tree.dashboard_files():
        try:
            dashboard = load_dashboard(path)
        except DashboardError as exc:
            violation(GRAFANA, "dashboards", f"{path.name}: {exc}")
        problems += [f"{path.name}: {e}" for e in datasource_errors(dashboard, provisioned)]
    require_empty(problems, GRAFANA, "datasource provisioning", evidence)
    contract_run.progress.say(
        GRAFANA, f"every dashboard datasource reference is provisioned ({evidence})"
    )
