"""Steps of alerts.feature: the fire drill (contract/drill/ does the work)."""

from __future__ import annotations

import time
from typing import Any

from pytest_bdd import given, then, when

from contract.artifacts import rule_groups
from contract.assertions import require_empty, violation
from contract.context import RunContext
from contract.drill.plan import drill_timers, plan_alerts
from contract.drill.report import drill_rows
from contract.drill.runner import DrillRunner, start_drill, stop_drill
from contract.drill.verdict import (
    AlertResult,
    Slack,
    inhibition_problems,
    judge_alert,
    quiet_problems,
)
from contract.spec import ALERTMANAGER, PROMETHEUS, WEBHOOK
from obs.generate.rules import DRILL_GROUP_SUFFIX

RULES = "GET /api/v1/rules"
RECEIVER = "POST (Alertmanager webhook)"
EVIDENCE = "drill/observations.json"
# Past a bound, what the harness itself may add (polling, HTTP, a busy 2-core machine), and
# the condition's own onset (a slow request shows only when it ends): 3 s plus half the bound.
BOUND_SLACK_SECONDS = 3.0
BOUND_SLACK_SHARE = 0.5
# The drill proves nothing on a stack whose scrape, catalog, rules or series are broken.
PREREQUISITE_PARTS = frozenset({"health", "scrape", "catalog", "rules"})


def _runner(run: RunContext) -> DrillRunner:
    runner = run.drill_runner
    if not isinstance(runner, DrillRunner):
        violation("drill", RULES, "the drill rules were never loaded (Background failed)")
    return runner


def _results(run: RunContext) -> dict[str, AlertResult]:
    results: dict[str, AlertResult] = run.drill.setdefault("_results", {})
    if not results:
        violation("drill", "-", "no drill ran (the When step failed)")
    return results


def _save_report(run: RunContext, runner: DrillRunner, results: dict[str, AlertResult]) -> None:
    spec = run.catalog.drill
    run.drill["report"] = {
        "scale": spec.scale,
        "scrape_interval": spec.scrape_interval,
        "evaluation_interval": spec.evaluation_interval,
        "alerts": drill_rows(runner.plan, results),
        "problems": run.drill.get("problems", []),
    }


@given("Prometheus runs the drill copy of the rules")
def drill_rules_loaded(contract_run: RunContext) -> None:
    """Swap the drill config in (once per run) and wait for every drill group to evaluate."""
    if contract_run.drill_runner is not None:
        return
    broken = sorted(contract_run.failed_parts & PREREQUISITE_PARTS)
    if broken:
        # A drill over rules that do not load, or series that do not exist, can only fail
        # slowly: stop here and let the failures above speak.
        violation(
            "drill",
            "-",
            f"not started: the {', '.join(broken)} part(s) failed above; fix those first",
        )
    stack = contract_run.stack
    drill_groups = rule_groups(contract_run.tree, drill=True)
    timers = drill_timers(stack.spec.prometheus_drill, stack.spec.alertmanager)
    plan = plan_alerts(contract_run.catalog, drill_groups, timers)
    runner = DrillRunner(
        stack,
        contract_run.session,
        plan,
        only=contract_run.drill_only,
        slack=Slack(BOUND_SLACK_SECONDS * contract_run.timeout_scale, BOUND_SLACK_SHARE),
        timeout_scale=contract_run.timeout_scale,
    )
    contract_run.drill_runner = runner
    contract_run.cleanups.append(lambda: stop_drill(runner))
    runner.reload(stack.spec.render_prometheus_drill(stack.placement))
    stack.evidence.write_text(
        "configs/prometheus/active-during-drill.yml",
        stack.spec.render_prometheus_drill(stack.placement),
    )
    problems = _wait_groups(contract_run, sorted(drill_groups))
    if problems:
        violation(
            PROMETHEUS, RULES, "; ".join(problems), "configs/prometheus/active-during-drill.yml"
        )
    start_drill(runner)


def _wait_groups(run: RunContext, expected: list[str]) -> list[str]:
    """Wait until every drill group is loaded, evaluated and healthy; return what is not."""
    deadline = time.monotonic() + run.timeout(20.0)
    problems: list[str] = []
    while time.monotonic() < deadline:
        data, _ = run.prometheus.get("/api/v1/rules")
        loaded = {str(g.get("name")): g for g in data.get("groups") or []}
        problems = [
            f"drill group {name!r} is not loaded" for name in expected if name not in loaded
        ]
        problems += [
            f"real group {name!r} is still loaded next to the drill copy"
            for name in loaded
            if not name.endswith(DRILL_GROUP_SUFFIX)
        ]
        for name in expected:
            for rule in (loaded.get(name) or {}).get("rules") or []:
                if rule.get("health") != "ok":
                    problems.append(
                        f"drill group {name!r} rule {rule.get('name')!r}: health="
                        f"{rule.get('health')} lastError={rule.get('lastError')!r}"
                    )
        if not problems:
            return []
        time.sleep(0.5)
    return problems


@then("no drill alert goes pending or firing under healthy traffic alone")
def quiet_proof(contract_run: RunContext) -> None:
    """Healthy traffic only, for a while: any pending or firing drill alert fails the run."""
    runner = _runner(contract_run)
    if runner.windows:
        return  # the quiet phase ran before the conditions; its findings are in the drill step
    runner.quiet_phase()
    problems = quiet_problems(runner.plan, runner.record())
    contract_run.drill["quiet"] = problems
    runner.save(runner.record())
    require_empty(problems, PROMETHEUS, RULES, EVIDENCE)


@when("every drill condition is applied and removed in turn")
def run_drill(contract_run: RunContext) -> None:
    """Apply each condition, wait for its alerts, remove it, wait for every resolution."""
    runner = _runner(contract_run)
    if runner.quiet is None:
        runner.quiet_phase()
    try:
        runner.run_conditions()
    finally:
        record = runner.record()
        results = {
            name: judge_alert(expected, record, slack=runner.slack)
            for name, expected in runner.plan.items()
            if expected.condition in runner.windows
        }
        if any(r.firing is not None and r.delivered is None for r in results.values()):
            record.delivery_evidence = {
                name: runner.delivery_evidence()
                for name, r in results.items()
                if r.firing is not None and r.delivered is None
            }
            results = {n: judge_alert(runner.plan[n], record, slack=runner.slack) for n in results}
        contract_run.drill["_results"] = results
        contract_run.drill["problems"] = quiet_problems(runner.plan, record) + inhibition_problems(
            runner.plan, results
        )
        runner.save(record)
        _save_report(contract_run, runner, results)


@then("every catalog alert was drilled")
def every_alert_drilled(contract_run: RunContext) -> None:
    """Every catalog alert has a drill rule and its condition was applied."""
    runner = _runner(contract_run)
    results = _results(contract_run)
    problems = [
        f"{alert.name}: no drill rule loaded for it (alerts/drill/)"
        for alert in contract_run.catalog.all_alerts
        if alert.name not in runner.plan
    ]
    only = contract_run.drill_only
    problems += [
        f"{name}: its condition {expected.condition!r} was not applied"
        for name, expected in runner.plan.items()
        if name not in results and not only
    ]
    require_empty(problems, "drill", "-", EVIDENCE)


def _kind(run: RunContext, kind: str, component: str, endpoint: str, evidence: str) -> None:
    problems = [p for r in _results(run).values() for p in r.problems_of(kind)]
    require_empty(problems, component, endpoint, evidence)


@then("every alert went pending, then firing, in Prometheus")
def every_alert_fired(contract_run: RunContext) -> None:
    """Each drilled alert went pending, then firing, in Prometheus."""
    _kind(contract_run, "fire", PROMETHEUS, RULES, EVIDENCE)


@then("every alert reached its severity's receiver with its labels and annotations")
def every_alert_delivered(contract_run: RunContext) -> None:
    """Alertmanager delivered each to its severity's receiver, labels and annotations intact."""
    _kind(contract_run, "deliver", WEBHOOK, RECEIVER, "webhook/notifications.json")


@then("every alert was delivered resolved after its condition was removed")
def every_alert_resolved(contract_run: RunContext) -> None:
    """Once its condition was removed, each alert's resolution was delivered."""
    _kind(contract_run, "resolve", WEBHOOK, RECEIVER, "webhook/notifications.json")


@then("every inhibited alert was held while its inhibitor fired, and delivered once alone")
def inhibitions_hold(contract_run: RunContext) -> None:
    """Alertmanager held each inhibited alert while its inhibitor fired."""
    _results(contract_run)
    problems = inhibition_problems(_runner(contract_run).plan, contract_run.drill["_results"])
    require_empty(problems, ALERTMANAGER, "GET /api/v2/alerts", EVIDENCE)


@then("no alert went pending or firing outside its own drill")
def quiet_outside_drills(contract_run: RunContext) -> None:
    """No alert went pending or firing while only another alert's condition was applied."""
    _results(contract_run)
    runner = _runner(contract_run)
    problems = quiet_problems(runner.plan, runner.record())
    require_empty(problems, PROMETHEUS, RULES, EVIDENCE)


@then("every alert was detected within its time bound")
def within_bounds(contract_run: RunContext) -> None:
    """Each alert fired and was delivered within its theoretical bound (plus slack)."""
    _kind(contract_run, "bound", "drill", "-", "summary.md (Fire drill)")


def drill_summary(run: RunContext) -> dict[str, Any]:
    """Return the drill's report for the run summary (empty if no drill ran)."""
    report: dict[str, Any] = run.drill.get("report", {})
    return report
