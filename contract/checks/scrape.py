"""Scrape: every target of the generated scrape config is up with no error."""

from __future__ import annotations

from typing import Any


def target_problems(active: list[dict[str, Any]], jobs: list[str]) -> list[str]:
    """Return what is wrong with the active targets of the given jobs (empty if all up)."""
    problems: list[str] = []
    for job in jobs:
        targets = [t for t in active if t.get("labels", {}).get("job") == job]
        if not targets:
            problems.append(f"job {job!r}: no active target")
        for target in targets:
            url = target.get("scrapeUrl")
            health = target.get("health")
            error = target.get("lastError") or ""
            if health != "up" or error:
                problems.append(f"job {job!r} target {url}: health={health} lastError={error!r}")
    return problems
