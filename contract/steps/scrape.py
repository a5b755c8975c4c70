"""Steps of scrape.feature."""

from __future__ import annotations

from typing import Any

from pytest_bdd import then

from contract.assertions import require_empty
from contract.checks.scrape import target_problems
from contract.context import RunContext
from contract.spec import PROMETHEUS
from contract.waiting import Poll, wait_for

ENDPOINT = "GET /api/v1/targets"
TARGETS_WAIT_SECONDS = 30.0


def _wait_targets(run: RunContext, *, require_up: bool) -> None:
    jobs = run.stack.spec.scrape_jobs()
    evidence = ""

    def look() -> Poll[list[str]]:
        nonlocal evidence
        data, evidence = run.prometheus.get("/api/v1/targets?state=active")
        active: list[dict[str, Any]] = data.get("activeTargets") or []
        problems = target_problems(active, jobs)
        if not require_up:
            problems = [p for p in problems if p.endswith("no active target")]
        # `unknown` means not scraped yet; a `down` target has failed a scrape, and since
        # every component was ready before Prometheus started, waiting will not heal it.
        settled = not problems or any("health=down" in p for p in problems)
        return Poll(settled, f"{len(problems)} target problem(s)", problems)

    waited = wait_for(
        look,
        timeout=run.timeout(TARGETS_WAIT_SECONDS),
        progress=run.progress,
        component=PROMETHEUS,
        what="waiting for scrape targets",
    )
    require_empty(waited.last.value, PROMETHEUS, ENDPOINT, evidence)


@then("every job of the generated scrape config has an active target")
def every_job_has_target(contract_run: RunContext) -> None:
    """Every scrape job of the generated config has at least one active target."""
    _wait_targets(contract_run, require_up=False)


@then("every target is up with no scrape error")
def every_target_up(contract_run: RunContext) -> None:
    """Every active target reports health up and an empty lastError."""
    _wait_targets(contract_run, require_up=True)
