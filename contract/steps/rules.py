"""Steps of rules.feature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pytest_bdd import then

from contract.artifacts import rule_groups
from contract.assertions import http_get, require_empty, violation
from contract.checks.rules import (
    evaluation_failure_problems,
    missing_rule_problems,
    parse_timestamp,
    stale_rule_problems,
    unhealthy_rule_problems,
)
from contract.checks.series import recorded_outputs, rule_sources, wanted_selectors
from contract.context import RunContext
from contract.evidence import evidence_of
from contract.spec import PROMETHEUS
from contract.steps.series import prove_selectors
from contract.waiting import Poll, wait_for

RULES_ENDPOINT = "GET /api/v1/rules"
HEALTH_WAIT_SECONDS = 30.0


@then("Prometheus has loaded every rule of every generated rule group")
def every_rule_loaded(contract_run: RunContext) -> None:
    """Every group and rule of alerts/*.yml is listed by Prometheus."""
    data, evidence = contract_run.prometheus.get("/api/v1/rules")
    problems = missing_rule_problems(data.get("groups") or [], rule_groups(contract_run.tree))
    require_empty(problems, PROMETHEUS, RULES_ENDPOINT, evidence)


def _last_scrape(run: RunContext) -> datetime | None:
    """Return when every active target has been scraped at least once (None if not yet)."""
    data, _ = run.prometheus.get("/api/v1/targets?state=active")
    stamps = [str(t.get("lastScrape", "")) for t in data.get("activeTargets") or []]
    if not stamps or any(s.startswith("0001-") or not s for s in stamps):
        return None
    return max(parse_timestamp(s) for s in stamps)


@then("every rule reports health ok")
def every_rule_healthy(contract_run: RunContext) -> None:
    """Every loaded rule, evaluated after the targets were scraped, reports health ok."""
    evidence = ""
    # Frozen at the first poll that sees every target scraped: comparing with the
    # *latest* scrape instead races every scrape against every group's evaluation
    # and can stay stale for the whole wait when the offsets line up badly.
    scraped: datetime | None = None

    def look() -> Poll[list[str]]:
        nonlocal evidence, scraped
        scraped = scraped or _last_scrape(contract_run)
        data, evidence = contract_run.prometheus.get("/api/v1/rules")
        groups: list[dict[str, Any]] = data.get("groups") or []
        problems = unhealthy_rule_problems(groups)
        # An `err` will not heal by waiting; `unknown` or a stale evaluation might.
        if any("health=err" in p for p in problems):
            return Poll(True, "a rule reports an error", problems)
        # A rule evaluated on an empty TSDB says nothing about the scraped series.
        problems += ["no scrape yet"] if scraped is None else stale_rule_problems(groups, scraped)
        return Poll(not problems, f"{len(problems)} rule(s) not yet ok on scraped data", problems)

    waited = wait_for(
        look,
        timeout=contract_run.timeout(HEALTH_WAIT_SECONDS),
        progress=contract_run.progress,
        component=PROMETHEUS,
        what="waiting for every rule to be evaluated",
    )
    require_empty(waited.last.value, PROMETHEUS, RULES_ENDPOINT, evidence)


@then("Prometheus reports no rule evaluation failures")
def no_evaluation_failures(contract_run: RunContext) -> None:
    """prometheus_rule_evaluation_failures_total is 0 for every generated group."""
    url = contract_run.stack.url(PROMETHEUS) + "/metrics"
    response = http_get(contract_run.session, PROMETHEUS, url)
    problems = evaluation_failure_problems(response.text, list(rule_groups(contract_run.tree)))
    require_empty(problems, PROMETHEUS, "GET /metrics", evidence_of(response))


@then("every selector of every loaded rule selects at least one live series")
def every_rule_selector_selects(contract_run: RunContext) -> None:
    """Every selector of every loaded rule selects a series, unless it is meant to be empty."""
    data, evidence = contract_run.prometheus.get("/api/v1/rules")
    wanted = wanted_selectors(rule_sources(data.get("groups") or []))
    if not wanted.owners:
        violation(PROMETHEUS, RULES_ENDPOINT, "no loaded rule has a selector", evidence)
    prove_selectors(contract_run, wanted, evidence="series/rules.json", what="every loaded rule")


@then("every recording rule produces at least one series")
def every_recording_rule_produces(contract_run: RunContext) -> None:
    """Every loaded recording rule's name, with its labels, selects a live series."""
    data, evidence = contract_run.prometheus.get("/api/v1/rules?type=record")
    wanted = recorded_outputs(data.get("groups") or [])
    if not wanted.owners:
        violation(PROMETHEUS, RULES_ENDPOINT, "no recording rule is loaded", evidence)
    prove_selectors(
        contract_run, wanted, evidence="series/recorded.json", what="every recording rule"
    )
