"""Rules checks: a missing rule, an unhealthy or stale one, and evaluation failures are named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from contract.checks.rules import (
    evaluation_failure_problems,
    missing_rule_problems,
    parse_timestamp,
    stale_rule_problems,
    unhealthy_rule_problems,
)

GENERATED = {
    "techno-availability": [{"alert": "BackendDown"}, {"alert": "BackendTargetAbsent"}],
    "techno-slo-latency": [{"record": "techno:slo_errors:ratio_rate5m"}],
}


def loaded(*rules: dict[str, Any], name: str = "techno-availability") -> dict[str, Any]:
    return {"name": name, "rules": list(rules)}


def test_every_generated_rule_loaded_is_no_problem() -> None:
    groups = [
        loaded({"name": "BackendDown"}, {"name": "BackendTargetAbsent"}),
        loaded({"name": "techno:slo_errors:ratio_rate5m"}, name="techno-slo-latency"),
    ]
    assert missing_rule_problems(groups, GENERATED) == []


def test_a_missing_group_and_a_missing_rule_are_named() -> None:
    problems = missing_rule_problems([loaded({"name": "BackendDown"})], GENERATED)
    assert problems == [
        "group 'techno-availability': rule 'BackendTargetAbsent' is not loaded",
        "group 'techno-slo-latency' is not loaded",
    ]


def test_an_unhealthy_rule_is_named_with_its_last_error() -> None:
    groups = [
        loaded(
            {"name": "BackendDown", "health": "ok"},
            {"name": "HighErrorRate", "health": "err", "lastError": "many-to-many matching"},
            {"name": "HighLatencyP95", "health": "unknown", "lastError": ""},
        )
    ]
    assert unhealthy_rule_problems(groups) == [
        "group 'techno-availability' rule 'HighErrorRate': health=err "
        "lastError='many-to-many matching'",
        "group 'techno-availability' rule 'HighLatencyP95': health=unknown lastError=''",
    ]


def test_a_rule_not_evaluated_since_the_first_scrape_is_stale() -> None:
    since = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    groups = [
        loaded(
            {"name": "Fresh", "lastEvaluation": "2026-01-02T03:04:06.123456789Z"},
            {"name": "Stale", "lastEvaluation": "2026-01-02T03:04:04Z"},
            {"name": "Never"},
        )
    ]
    assert stale_rule_problems(groups, since) == [
        "rule 'Stale' not evaluated since the first scrape",
        "rule 'Never' not evaluated since the first scrape",
    ]


def test_timestamps_keep_microseconds_and_zones() -> None:
    assert parse_timestamp("2026-01-02T03:04:05.123456789Z") == datetime(
        2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC
    )
    assert parse_timestamp("2026-01-02T05:04:05+02:00") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="not an RFC 3339 timestamp"):
        parse_timestamp("yesterday")


EXPOSITION = """# TYPE prometheus_rule_evaluation_failures_total counter
prometheus_rule_evaluation_failures_total{rule_group="/a/alerts/traffic.yml;techno-traffic"} 3
prometheus_rule_evaluation_failures_total{rule_group="/a/alerts/audit.yml;techno-audit"} 0
prometheus_rule_evaluation_failures_total{rule_group="/a/alerts/gates.yml;techno-gates"} NaN
"""


def test_evaluation_failures_and_never_evaluated_groups_are_named() -> None:
    groups = ["techno-traffic", "techno-audit", "techno-gates", "techno-executors"]
    assert evaluation_failure_problems(EXPOSITION, groups) == [
        "group 'techno-gates': nan evaluation failure(s)",
        "group 'techno-traffic': 3 evaluation failure(s)",
        "group 'techno-executors': no evaluation-failure counter (never evaluated?)",
    ]
