"""The drill plan, from the real catalog and the generated drill rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.artifacts import ArtifactTree, rule_groups
from contract.drill.budget import drill_budget
from contract.drill.conditions import Conditions
from contract.drill.plan import CONDITION_ORDER, clear_seconds, drill_timers, plan_alerts, stages
from contract.errors import HarnessError
from contract.spec import build_stack_spec
from obs.catalog import load_catalog
from obs.catalog.drill import DRILL_CONDITIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan() -> dict[str, object]:
    tree = ArtifactTree(ROOT)
    spec = build_stack_spec(tree, include_grafana=False)
    timers = drill_timers(spec.prometheus_drill, spec.alertmanager)
    return dict(plan_alerts(load_catalog(), rule_groups(tree, drill=True), timers))


def test_every_condition_is_implemented_and_ordered() -> None:
    assert set(Conditions.BUILDERS) == set(DRILL_CONDITIONS) == set(CONDITION_ORDER)


def test_every_catalog_alert_is_planned_with_its_severity_receiver(plan: dict[str, object]) -> None:
    catalog = load_catalog()
    assert sorted(plan) == sorted(a.name for a in catalog.all_alerts)
    for alert in catalog.all_alerts:
        expected = plan[alert.name]
        assert expected.receiver == alert.severity  # type: ignore[attr-defined]
        assert expected.condition == alert.drill  # type: ignore[attr-defined]


def test_an_slo_page_alert_holds_its_ticket_only(plan: dict[str, object]) -> None:
    held = {name: e.inhibited_by for name, e in plan.items() if e.inhibited_by}  # type: ignore[attr-defined]
    assert held == {
        "AvailabilitySLOBurnRateTicket": ("AvailabilitySLOBurnRatePage",),
        "LatencySLOBurnRateTicket": ("LatencySLOBurnRatePage",),
    }


def test_bounds_come_from_the_drill_configs(plan: dict[str, object]) -> None:
    down = plan["BackendDown"]
    # 250ms scrape + 1s evaluation + 30s/300 for + 5s group_wait, no range.
    assert down.bound.total == pytest.approx(6.35)  # type: ignore[attr-defined]
    ticket = plan["AvailabilitySLOBurnRateTicket"]
    # Its slowest pair clears with the 6h window: 72s at scale 300, + scrape, eval, interval.
    assert ticket.resolve_bound == pytest.approx(72 + 0.25 + 1 + 10)  # type: ignore[attr-defined]


def test_clear_time_follows_and_or_unless_and_recorded_series() -> None:
    assert clear_seconds("rate(a[1m]) > 1 and rate(b[10s]) > 1", {}) == 10
    assert clear_seconds("rate(a[1m]) > 1 or rate(b[10s]) > 1", {}) == 60
    assert clear_seconds("rate(a[1m]) > 1 unless rate(b[2m]) > 1", {}) == 60
    assert clear_seconds('job:ratio{slo="x"} > 1', {"job:ratio": 30.0}) == 30


def test_concurrent_conditions_share_a_stage_and_only_filters(plan: dict[str, object]) -> None:
    assert stages(plan) == [  # type: ignore[arg-type]
        ["always"],
        ["target_removed"],
        ["upstream_slow"],
        ["upstream_failing"],
        ["backend_stopped"],
        ["bad_keys", "request_flood", "audit_unwritable"],
    ]
    assert stages(plan, frozenset({"GateDenySpike"})) == [["bad_keys"]]  # type: ignore[arg-type]
    assert stages(plan, frozenset({"backend_stopped"})) == [["backend_stopped"]]  # type: ignore[arg-type]
    assert stages(plan, frozenset({"Watchdog"})) == [["always"]]  # type: ignore[arg-type]


def test_the_watchdog_routes_to_its_own_receiver_and_is_inhibited_by_nothing(
    plan: dict[str, object],
) -> None:
    watchdog = plan["Watchdog"]
    assert watchdog.condition == "always"  # type: ignore[attr-defined]
    assert watchdog.receiver == "watchdog"  # type: ignore[attr-defined]
    assert watchdog.inhibited_by == ()  # type: ignore[attr-defined]
    others = [e for n, e in plan.items() if n != "Watchdog"]
    assert all(e.receiver != "watchdog" for e in others)  # type: ignore[attr-defined]


def test_a_drill_over_budget_is_refused_naming_the_settings() -> None:
    tree = ArtifactTree(ROOT)
    budget = drill_budget(load_catalog(), tree, build_stack_spec(tree, include_grafana=False))
    assert 60 < budget.seconds < 240
    budget.refuse_over(240)
    with pytest.raises(HarnessError) as caught:
        budget.refuse_over(30)
    message = str(caught.value)
    assert "over the budget of 30s (--drill-budget" in message
    assert "drill.scale in obs/catalog.yaml" in message
    assert budget.longest_alert in message
