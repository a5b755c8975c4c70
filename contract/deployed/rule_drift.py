"""Rule drift: what a deployed Prometheus has loaded, rule by rule, against the generated files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from contract.checks.rules import parse_timestamp
from contract.durations import duration_seconds
from obs.catalog.expressions import PromQLError, parse

# A group is late once it missed this many evaluations (one late tick is jitter, not a stall).
LATE_EVALUATIONS = 3
LATE_FLOOR_SECONDS = 60.0


# A selector's braces, and one matcher in them; quoted values may hold braces and commas.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_BRACES_RE = re.compile(rf"\{{((?:[^{{}}\"]|{_QUOTED})*)\}}")
_MATCHER_RE = re.compile(rf"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*({_QUOTED})\s*")


def normal_expr(expr: str) -> str:
    """Return one spelling of a PromQL expression (Prometheus re-prints what it loads).

    Prometheus also orders a selector's matchers its own way, so they are sorted here.
    """
    try:
        text = str(parse(expr))
    except PromQLError:
        text = " ".join(expr.split())
    return _BRACES_RE.sub(_sorted_matchers, text)


def _sorted_matchers(braces: re.Match[str]) -> str:
    matchers = [m.group(1, 2, 3) for m in _MATCHER_RE.finditer(braces.group(1))]
    return "{" + ",".join(f"{n}{op}{v}" for n, op, v in sorted(matchers)) + "}"


def _expected_shape(rule: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "alerting" if "alert" in rule else "recording",
        "query": normal_expr(str(rule.get("expr", ""))),
        "duration": duration_seconds(str(rule.get("for", "0s"))),
        "labels": {str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
        "annotations": {str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
    }


def _loaded_shape(rule: Mapping[str, Any]) -> dict[str, Any]:
    labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
    return {
        "type": str(rule.get("type")),
        "query": normal_expr(str(rule.get("query", ""))),
        "duration": float(rule.get("duration") or 0),
        "labels": labels,
        "annotations": {str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
    }


def changed_rule_problems(
    loaded_groups: list[dict[str, Any]], expected: Mapping[str, list[dict[str, Any]]]
) -> list[str]:
    """Return every loaded generated rule whose expr, for, labels or annotations differ.

    Missing groups and rules are missing_rule_problems' job; this names changed ones only.
    """
    problems: list[str] = []
    loaded = {str(g.get("name")): g for g in loaded_groups}
    for group_name, rules in expected.items():
        group = loaded.get(group_name)
        if group is None:
            continue
        live = {str(r.get("name")): r for r in group.get("rules") or []}
        wanted_names = {str(r.get("alert") or r.get("record")) for r in rules}
        for rule in rules:
            name = str(rule.get("alert") or rule.get("record"))
            if name not in live:
                continue
            want, got = _expected_shape(rule), _loaded_shape(live[name])
            for field in ("type", "query", "duration", "labels", "annotations"):
                if want[field] != got[field]:
                    problems.append(
                        f"group {group_name!r} rule {name!r}: {field} is {got[field]!r}, "
                        f"the generated file says {want[field]!r}"
                    )
        problems += [
            f"group {group_name!r}: rule {extra!r} is loaded but not generated"
            for extra in sorted(set(live) - wanted_names)
        ]
    return problems


def late_group_problems(
    loaded_groups: list[dict[str, Any]], expected: Mapping[str, Any], now: datetime
) -> list[str]:
    """Return every generated group not evaluated within its last few intervals before now."""
    problems: list[str] = []
    for group in loaded_groups:
        name = str(group.get("name"))
        if name not in expected:
            continue
        interval = float(group.get("interval") or 0)
        allowed = max(LATE_EVALUATIONS * interval, LATE_FLOOR_SECONDS)
        stamp = str(group.get("lastEvaluation") or "0001-01-01T00:00:00Z")
        try:
            evaluated = parse_timestamp(stamp)
        except ValueError:
            problems.append(f"group {name!r}: lastEvaluation {stamp!r} is not a timestamp")
            continue
        if now - evaluated > timedelta(seconds=allowed):
            problems.append(
                f"group {name!r}: last evaluated at {stamp}, over {allowed:g}s before "
                f"Prometheus's now ({now.isoformat(timespec='seconds')})"
            )
    return problems
