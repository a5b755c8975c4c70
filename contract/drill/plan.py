"""What the drill expects of every alert: its condition, receiver, labels, inhibitors, bounds.

Everything comes from the catalog (conditions, severities, inhibit rules) and the generated
drill configs (rules, intervals, Alertmanager timers), so a change to either moves the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import promql_parser

from contract.durations import duration_seconds
from obs.catalog import Catalog
from obs.catalog.alert_kinds import BurnRate
from obs.catalog.alerts import AlertSpec
from obs.catalog.drill import ALWAYS

# Conditions in the order the drill applies them (see contract/drill/runner.py for why).
CONDITION_ORDER = (
    # No condition at all (the Watchdog): it is already firing, so it costs nothing first.
    ALWAYS,
    "target_removed",
    "upstream_slow",
    "upstream_failing",
    "backend_stopped",
    "bad_keys",
    "request_flood",
    "audit_unwritable",
)
# Conditions applied together: none moves a series another one's alerts read.
CONCURRENT = frozenset({"bad_keys", "request_flood", "audit_unwritable"})


@dataclass(frozen=True)
class Bound:
    """The theoretical time from condition to delivery, and what it is made of (seconds)."""

    scrape: float
    evaluation: float
    hold: float  # the rule's `for`
    group_wait: float
    window: float  # the shortest range the condition must show in

    @property
    def total(self) -> float:
        return self.scrape + self.evaluation + self.hold + self.group_wait + self.window

    def describe(self) -> str:
        return (
            f"scrape {self.scrape:g} + evaluation {self.evaluation:g} + for {self.hold:g} + "
            f"group_wait {self.group_wait:g} + window {self.window:g} = {self.total:g}s"
        )


@dataclass(frozen=True)
class AlertExpectation:
    """How one alert must behave in its drill."""

    name: str
    condition: str
    severity: str
    receiver: str
    labels: dict[str, str]
    annotations: dict[str, str]
    inhibited_by: tuple[str, ...]
    bound: Bound
    # Condition removed -> resolution delivered, at most.
    resolve_bound: float


@dataclass(frozen=True)
class DrillTimers:
    """The intervals the drill stack runs with, read from the configs it loaded."""

    scrape: float
    evaluation: float
    group_wait: float
    group_interval: float


def static_labels(alert: AlertSpec) -> dict[str, str]:
    """Return the labels an alert is known to carry before it fires (for inhibit matching)."""
    labels = {"alertname": alert.name, "severity": alert.severity}
    if isinstance(alert.rule, BurnRate):
        labels["slo"] = alert.rule.slo
    return labels


def drill_timers(
    prometheus_drill: Mapping[str, Any], alertmanager: Mapping[str, Any]
) -> DrillTimers:
    """Read scrape and evaluation intervals and Alertmanager's grouping timers."""
    glob = prometheus_drill.get("global") or {}
    route = alertmanager.get("route") or {}
    return DrillTimers(
        scrape=duration_seconds(str(glob.get("scrape_interval", "1m"))),
        evaluation=duration_seconds(str(glob.get("evaluation_interval", "1m"))),
        group_wait=duration_seconds(str(route.get("group_wait", "30s"))),
        group_interval=duration_seconds(str(route.get("group_interval", "5m"))),
    )


def clear_seconds(expr: str, recorded: Mapping[str, float]) -> float:
    """Return how long after its condition stops an expression can stay true, at most.

    A range keeps old samples for its length; `a and b` clears when either side clears,
    `a or b` when both do, `a unless b` when a does; a recorded series clears as its rule.
    """
    return _clear(promql_parser.parse(expr), recorded)


def _clear(node: Any, recorded: Mapping[str, float]) -> float:
    if isinstance(node, promql_parser.MatrixSelector | promql_parser.SubqueryExpr):
        return _range_seconds(node)
    if isinstance(node, promql_parser.VectorSelector):
        return recorded.get(str(node.name), 0.0)
    if isinstance(node, promql_parser.BinaryExpr):
        left, right = _clear(node.lhs, recorded), _clear(node.rhs, recorded)
        op = str(node.op)
        if op == "and":
            return min(left, right)
        if op == "unless":
            return left
        return max(left, right)
    children: list[Any] = []
    if isinstance(node, promql_parser.Call):
        children = list(node.args)
    elif isinstance(
        node, promql_parser.AggregateExpr | promql_parser.ParenExpr | promql_parser.UnaryExpr
    ):
        children = [node.expr]
    return max((_clear(child, recorded) for child in children), default=0.0)


def _range_seconds(node: promql_parser.MatrixSelector | promql_parser.SubqueryExpr) -> float:
    assert node.range is not None, "a range selector always has a range"
    return float(node.range.total_seconds())


def shortest_range(expr: str) -> float:
    """Return the shortest range of an expression (0 if it reads instant vectors only)."""
    found: list[float] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.MatrixSelector | promql_parser.SubqueryExpr):
            found.append(_range_seconds(node))

    promql_parser.walk(promql_parser.parse(expr), pre_visit=visit)
    return min(found, default=0.0)


def plan_alerts(
    catalog: Catalog,
    drill_groups: Mapping[str, list[dict[str, Any]]],
    timers: DrillTimers,
) -> dict[str, AlertExpectation]:
    """Return the expectation of every catalog alert, from the drill rules it will run."""
    rules = {str(r["alert"]): r for rs in drill_groups.values() for r in rs if "alert" in r}
    recorded: dict[str, float] = {}
    for group_rules in drill_groups.values():
        for rule in group_rules:
            if "record" in rule:
                name = str(rule["record"])
                recorded[name] = max(recorded.get(name, 0.0), clear_seconds(rule["expr"], {}))
    labels_of = {a.name: static_labels(a) for a in catalog.all_alerts}
    plan: dict[str, AlertExpectation] = {}
    for alert in catalog.all_alerts:
        if alert.name not in rules:
            continue  # reported by the drill as "no drill rule loaded"
        rule = rules[alert.name]
        expr = str(rule["expr"])
        inhibitors = tuple(
            sorted(
                other.name
                for other in catalog.all_alerts
                if other.name != alert.name
                and other.drill == alert.drill
                and any(
                    r.inhibits(labels_of[other.name], labels_of[alert.name])
                    for r in catalog.alerting.inhibit_rules
                )
            )
        )
        hold = duration_seconds(str(rule.get("for", "0s")))
        plan[alert.name] = AlertExpectation(
            name=alert.name,
            condition=alert.drill,
            severity=alert.severity,
            receiver=alert.severity,
            labels={"alertname": alert.name, **{str(k): str(v) for k, v in rule["labels"].items()}},
            annotations={str(k): str(v) for k, v in rule["annotations"].items()},
            inhibited_by=inhibitors,
            bound=Bound(
                timers.scrape, timers.evaluation, hold, timers.group_wait, shortest_range(expr)
            ),
            resolve_bound=clear_seconds(expr, recorded)
            + timers.scrape
            + timers.evaluation
            + timers.group_interval,
        )
    return plan


def stages(
    plan: Mapping[str, AlertExpectation], only: frozenset[str] = frozenset()
) -> list[list[str]]:
    """Return the conditions to apply, in order; concurrent ones share a stage."""
    wanted = {
        e.condition for e in plan.values() if not only or e.name in only or e.condition in only
    }
    ordered = [c for c in CONDITION_ORDER if c in wanted]
    result: list[list[str]] = []
    for condition in ordered:
        if condition in CONCURRENT and result and result[-1][0] in CONCURRENT:
            result[-1].append(condition)
        else:
            result.append([condition])
    return result
