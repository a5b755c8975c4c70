"""Refuse, before anything starts, a fire drill that cannot finish within its time budget."""

from __future__ import annotations

from dataclasses import dataclass

from contract.artifacts import ArtifactTree, rule_groups
from contract.drill.plan import AlertExpectation, drill_timers, plan_alerts, stages
from contract.drill.runner import QUIET_SECONDS, SETTLE_SECONDS
from contract.errors import HarnessError
from contract.spec import StackSpec
from obs.catalog import Catalog


@dataclass(frozen=True)
class DrillBudget:
    """The drill's expected length from the configs, and what makes it that long."""

    seconds: float
    longest_alert: str
    longest_tail: float
    scale: int
    stages: int

    def as_dict(self) -> dict[str, object]:
        return {
            "expected_seconds": round(self.seconds, 1),
            "longest_alert": self.longest_alert,
            "longest_tail_seconds": round(self.longest_tail, 1),
            "scale": self.scale,
            "stages": self.stages,
        }

    def describe(self) -> str:
        return (
            f"the fire drill should take about {self.seconds:.0f}s: {self.stages} stage(s) at "
            f"time scale 1/{self.scale}; the longest tail is {self.longest_alert}, resolved "
            f"about {self.longest_tail:.0f}s after its condition is removed"
        )

    def refuse_over(self, budget: float) -> None:
        """Raise naming the settings to change if the drill cannot fit in budget seconds."""
        if self.seconds > budget:
            raise HarnessError(
                "drill",
                f"{self.describe()}, over the budget of {budget:.0f}s (--drill-budget). "
                "Raise drill.scale in obs/catalog.yaml (then `python -m obs "
                f"generate`), shorten the longest window of {self.longest_alert}, or raise "
                "--drill-budget",
            )


def drill_budget(
    catalog: Catalog, tree: ArtifactTree, spec: StackSpec, *, only: frozenset[str] = frozenset()
) -> DrillBudget:
    """Estimate the drill from the generated drill rules, Prometheus and Alertmanager configs."""
    timers = drill_timers(spec.prometheus_drill, spec.alertmanager)
    plan = plan_alerts(catalog, rule_groups(tree, drill=True), timers)
    elapsed = SETTLE_SECONDS + QUIET_SECONDS
    finish = elapsed
    longest = ("-", 0.0)
    for stage in stages(plan, only):
        alerts = [e for e in plan.values() if e.condition in stage]
        detect = max(e.bound.total for e in alerts)
        elapsed += detect
        for expected in alerts:
            tail = _tail(expected, plan, timers.group_interval)
            finish = max(finish, elapsed + tail)
            if tail > longest[1]:
                longest = (expected.name, tail)
    return DrillBudget(
        max(elapsed, finish), longest[0], longest[1], catalog.drill.scale, len(stages(plan, only))
    )


def _tail(
    expected: AlertExpectation, plan: dict[str, AlertExpectation], group_interval: float
) -> float:
    """Seconds from condition removed to resolution delivered (an inhibited one waits longer)."""
    held = max((plan[s].resolve_bound for s in expected.inhibited_by if s in plan), default=0.0)
    return max(expected.resolve_bound, held + group_interval)
