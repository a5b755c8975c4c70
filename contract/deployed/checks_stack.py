"""Read-only checks of a deployed stack's backend and Prometheus (health to runbooks)."""

from __future__ import annotations

from typing import Any

from contract.artifacts import rule_groups
from contract.assertions import require_empty
from contract.checks.dashboards import load_dashboard, panel_queries
from contract.checks.drift import label_set_problems, metric_set_problems, parse_exposition
from contract.checks.rules import missing_rule_problems, unhealthy_rule_problems
from contract.checks.runbooks import linked_runbooks, promql_blocks, runbook_queries
from contract.checks.scrape import target_problems
from contract.checks.series import (
    Source,
    Wanted,
    count_query,
    empty_selector_problems,
    recorded_outputs,
    rule_sources,
    series_count,
    wanted_selectors,
)
from contract.deployed.context import DeployedRun
from contract.deployed.rule_drift import changed_rule_problems, late_group_problems
from contract.evidence import evidence_of

QUERY = "GET /api/v1/query"


def health(run: DeployedRun) -> str:
    """Every backend target is alive and ready; Prometheus and every Alertmanager are ready."""
    for backend in run.stack.backends:
        run.get(backend, "/health")
        run.get(backend, "/ready")
    run.get(run.stack.prometheus, "/-/ready")
    for alertmanager in run.stack.alertmanagers:
        run.get(alertmanager, "/-/ready")
    return f"{len(run.stack.endpoints())} endpoint(s) healthy"


def instance_problems(active: list[dict[str, Any]], instances: list[str]) -> list[str]:
    """Return every STACK.yaml backend instance that is not an up target of Prometheus."""
    problems: list[str] = []
    for instance in instances:
        found = [t for t in active if (t.get("labels") or {}).get("instance") == instance]
        if not found:
            problems.append(f"backend target {instance!r} is not an active scrape target")
        elif all(t.get("health") != "up" for t in found):
            problems.append(f"backend target {instance!r} is {found[0].get('health')}, not up")
    return problems


def scrape(run: DeployedRun) -> str:
    """Every job of the generated scrape config, and every named backend instance, is up."""
    data, evidence = run.prometheus.get("/api/v1/targets?state=active")
    active: list[dict[str, Any]] = data.get("activeTargets") or []
    instances = [b.instance for b in run.stack.backends if b.instance]
    problems = target_problems(active, run.spec.scrape_jobs()) + instance_problems(
        active, instances
    )
    require_empty(problems, run.stack.prometheus.name, "GET /api/v1/targets", evidence)
    return f"{len(active)} active target(s) up"


def catalog(run: DeployedRun) -> str:
    """Every backend target's /metrics holds exactly the catalog's metrics and labels."""
    for backend in run.stack.backends:
        response = run.get(backend, "/metrics")
        families = parse_exposition(response.text)
        problems = metric_set_problems(families, run.catalog)
        problems += label_set_problems(families, run.catalog)
        require_empty(problems, backend.name, f"GET {backend.url}/metrics", evidence_of(response))
    return f"{len(run.stack.backends)} backend target(s) match the catalog"


def rules(run: DeployedRun) -> str:
    """Every generated rule is loaded unchanged, healthy, and its group evaluated recently."""
    expected = rule_groups(run.tree)
    data, evidence = run.prometheus.get("/api/v1/rules")
    groups: list[dict[str, Any]] = data.get("groups") or []
    problems = missing_rule_problems(groups, expected)
    problems += changed_rule_problems(groups, expected)
    problems += unhealthy_rule_problems([g for g in groups if g.get("name") in expected])
    problems += late_group_problems(groups, expected, run.prometheus_now())
    require_empty(problems, run.stack.prometheus.name, "GET /api/v1/rules", evidence)
    count = sum(len(r) for r in expected.values())
    return f"{len(expected)} group(s), {count} rule(s) loaded unchanged and healthy"


def _prove(run: DeployedRun, wanted: Wanted, evidence: str) -> int:
    """Count each selector's series once (a deployed stack is past its first scrapes)."""
    answers = {s: run.prometheus.query(count_query(s)) for s in wanted.owners}
    run.evidence.write_json(
        evidence,
        [
            {"selector": s, "owners": wanted.owners[s], "series": series_count(a.result)}
            for s, a in answers.items()
        ],
    )
    problems = empty_selector_problems(
        wanted,
        counts={s: series_count(a.result) for s, a in answers.items()},
        errors={s: a.error for s, a in answers.items() if a.error},
        evidence={s: a.evidence for s, a in answers.items()},
    )
    require_empty(problems, run.stack.prometheus.name, QUERY, evidence)
    return len(answers)


def _panel_sources(run: DeployedRun) -> list[Any]:
    return [q for path in run.tree.dashboard_files() for q in panel_queries(load_dashboard(path))]


def series(run: DeployedRun) -> str:
    """Every selector of every loaded rule, panel and runbook query selects a live series."""
    data, _ = run.prometheus.get("/api/v1/rules")
    groups = data.get("groups") or []
    tree = run.tree
    sources = rule_sources(groups)
    sources += [Source(q.label, q.resolved) for q in _panel_sources(run)]
    sources += [
        Source(f"{tree.relative(path)} {query.step}", query.expr)
        for path in tree.runbook_files()
        for query in runbook_queries(path.read_text(encoding="utf-8"))
    ]
    wanted = wanted_selectors(sources)
    for selector, owners in recorded_outputs(groups).owners.items():
        wanted.owners.setdefault(selector, []).extend(owners)
    count = _prove(run, wanted, "series/deployed.json")
    return f"{count} selector(s) select live series"


def dashboards(run: DeployedRun) -> str:
    """Every panel query of every generated dashboard runs and returns data."""
    queries = _panel_sources(run)
    problems: list[str] = []
    for query in queries:
        answer = run.prometheus.query(query.resolved)
        if answer.error:
            problems.append(f"{query.label}: {query.resolved!r} failed: {answer.error}")
        elif not answer.has_data():
            problems.append(
                f"{query.label}: {query.resolved!r} returned no data ({answer.evidence})"
            )
    require_empty(problems, run.stack.prometheus.name, QUERY)
    return f"{len(queries)} panel queries return data"


def runbooks(run: DeployedRun) -> str:
    """Every loaded alert links a generated runbook, and every runbook query runs."""
    data, evidence = run.prometheus.get("/api/v1/rules?type=alert")
    linked, problems = linked_runbooks(data.get("groups") or [], run.tree.runbooks_dir)
    require_empty(problems, run.stack.prometheus.name, "GET /api/v1/rules?type=alert", evidence)
    ran = 0
    for path in run.tree.runbook_files():
        for block in promql_blocks(path.read_text(encoding="utf-8")):
            answer = run.prometheus.query(block)
            ran += 1
            if answer.error:
                problems.append(
                    f"{path.name}: query {block!r} failed: {answer.error} ({answer.evidence})"
                )
    require_empty(problems, run.stack.prometheus.name, QUERY)
    return f"{len(linked)} alert(s) link a runbook; {ran} runbook queries run"
