"""Prove live that selectors select series: shared by the rules, runbooks and dashboards steps."""

from __future__ import annotations

from contract.assertions import require_empty
from contract.checks.prometheus import QueryResult
from contract.checks.series import Wanted, count_query, empty_selector_problems, series_count
from contract.context import RunContext
from contract.spec import PROMETHEUS
from contract.waiting import Poll, wait_for

ENDPOINT = "GET /api/v1/query"
# Raw series exist from the first scrape; recorded ones need an evaluation or two.
SERIES_WAIT_SECONDS = 15.0


def prove_selectors(run: RunContext, wanted: Wanted, *, evidence: str, what: str) -> None:
    """Count each required selector's live series; fail naming owner, selector and evidence."""
    __tracebackhide__ = True
    answers: dict[str, QueryResult] = {}

    def look() -> Poll[list[str]]:
        for selector in wanted.owners:
            previous = answers.get(selector)
            if previous is None or previous.error or series_count(previous.result) == 0:
                answers[selector] = run.prometheus.query(count_query(selector))
        empty = [s for s, a in answers.items() if a.error or series_count(a.result) == 0]
        return Poll(not empty, f"{len(empty)} selector(s) select no series yet", empty)

    wait_for(
        look,
        timeout=run.timeout(SERIES_WAIT_SECONDS),
        progress=run.progress,
        component=PROMETHEUS,
        what=f"waiting for every selector of {what} to select a series",
        interval=run.stack.spec.scrape_interval_seconds(),
    )
    run.stack.evidence.write_json(
        evidence,
        {
            "required": [
                {
                    "selector": selector,
                    "owners": owners,
                    "series": series_count(answers[selector].result),
                    "error": answers[selector].error,
                    "evidence": answers[selector].evidence,
                }
                for selector, owners in wanted.owners.items()
            ],
            "may_be_empty": [
                {"selector": selector, "owners": owners}
                for selector, owners in wanted.exempt.items()
            ],
            "problems": wanted.problems,
        },
    )
    problems = empty_selector_problems(
        wanted,
        counts={s: series_count(a.result) for s, a in answers.items()},
        errors={s: a.error for s, a in answers.items() if a.error},
        evidence={s: a.evidence for s, a in answers.items()},
    )
    require_empty(problems, PROMETHEUS, ENDPOINT, evidence)
    run.progress.say(PROMETHEUS, f"{len(wanted.owners)} selector(s) of {what} select live series")
