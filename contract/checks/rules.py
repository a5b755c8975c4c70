"""Rules: every generated group loaded, every rule healthy, no evaluation failures."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

_TIMESTAMP_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def missing_rule_problems(
    loaded_groups: list[dict[str, Any]], expected: Mapping[str, list[dict[str, Any]]]
) -> list[str]:
    """Return every generated group or rule that /api/v1/rules does not list."""
    problems: list[str] = []
    loaded = {str(g.get("name")): g for g in loaded_groups}
    for name, rules in expected.items():
        group = loaded.get(name)
        if group is None:
            problems.append(f"group {name!r} is not loaded")
            continue
        names = [str(r.get("name")) for r in group.get("rules") or []]
        for rule in rules:
            rule_name = str(rule.get("alert") or rule.get("record"))
            if rule_name not in names:
                problems.append(f"group {name!r}: rule {rule_name!r} is not loaded")
    return problems


def unhealthy_rule_problems(loaded_groups: list[dict[str, Any]]) -> list[str]:
    """Return every loaded rule whose health is not ok, with its last error."""
    return [
        f"group {group.get('name')!r} rule {rule.get('name')!r}: health={rule.get('health')} "
        f"lastError={rule.get('lastError')!r}"
        for group in loaded_groups
        for rule in group.get("rules") or []
        if rule.get("health") != "ok"
    ]


def parse_timestamp(text: str) -> datetime:
    """Parse Prometheus's RFC 3339 timestamps (nanoseconds, `Z`) to an aware datetime."""
    match = _TIMESTAMP_RE.match(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    seconds, fraction, zone = match.groups()
    micro = (fraction or "")[1:7].ljust(6, "0")
    return datetime.fromisoformat(f"{seconds}.{micro}{'+00:00' if zone == 'Z' else zone}")


def stale_rule_problems(loaded_groups: list[dict[str, Any]], since: datetime) -> list[str]:
    """Return every rule not evaluated since `since` (its health says nothing about newer data)."""
    problems: list[str] = []
    for group in loaded_groups:
        for rule in group.get("rules") or []:
            evaluated = parse_timestamp(str(rule.get("lastEvaluation", "0001-01-01T00:00:00Z")))
            if evaluated < since:
                problems.append(f"rule {rule.get('name')!r} not evaluated since the first scrape")
    return problems


def evaluation_failure_problems(exposition: str, expected_groups: list[str]) -> list[str]:
    """Return generated groups whose prometheus_rule_evaluation_failures_total is not 0 or absent.

    Reads Prometheus's own /metrics: the generated config does not scrape Prometheus itself.
    """
    failures: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        if family.name != "prometheus_rule_evaluation_failures":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                # The label is `<rule file path>;<group name>`.
                group = sample.labels.get("rule_group", "").rpartition(";")[2]
                failures[group] = failures.get(group, 0.0) + sample.value
    problems = [
        f"group {group!r}: {value:g} evaluation failure(s)"
        for group, value in sorted(failures.items())
        if math.isnan(value) or value != 0
    ]
    problems += [
        f"group {group!r}: no evaluation-failure counter (never evaluated?)"
        for group in expected_groups
        if group not in failures
    ]
    return problems
