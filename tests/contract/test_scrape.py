"""Scrape check: a job without targets and a target down or erroring are named."""

from __future__ import annotations

from typing import Any

from contract.checks.scrape import target_problems


def target(job: str, url: str, health: str = "up", error: str = "") -> dict[str, Any]:
    return {"labels": {"job": job}, "scrapeUrl": url, "health": health, "lastError": error}


def test_every_job_up_without_error_is_no_problem() -> None:
    active = [target("techno-backend", "http://127.0.0.1:8080/metrics")]
    assert target_problems(active, ["techno-backend"]) == []


def test_a_down_target_a_scrape_error_and_a_job_without_targets_are_named() -> None:
    active = [
        target("techno-backend", "http://127.0.0.1:9/metrics", "down", "connection refused"),
        target("techno-backend", "http://127.0.0.1:8081/metrics", "up", "sample limit exceeded"),
        target("other", "http://127.0.0.1:7/metrics"),
    ]
    assert target_problems(active, ["techno-backend", "techno-replica"]) == [
        "job 'techno-backend' target http://127.0.0.1:9/metrics: health=down "
        "lastError='connection refused'",
        "job 'techno-backend' target http://127.0.0.1:8081/metrics: health=up "
        "lastError='sample limit exceeded'",
        "job 'techno-replica': no active target",
    ]
