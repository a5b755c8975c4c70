"""The dead man's switch: Watchdog fires, is active in Alertmanager, and no notification fails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

WATCHDOG = "Watchdog"
FAILED_NOTIFICATIONS = "alertmanager_notifications_failed"


def prometheus_watchdog_problems(alerts: list[dict[str, Any]], name: str = WATCHDOG) -> list[str]:
    """Return what is wrong with the Watchdog in /api/v1/alerts (it must be firing)."""
    states = [
        str(a.get("state")) for a in alerts if (a.get("labels") or {}).get("alertname") == name
    ]
    if not states:
        return [f"alert {name!r} is not pending or firing (the dead man's switch is silent)"]
    if "firing" not in states:
        return [f"alert {name!r} is {', '.join(sorted(set(states)))}, not firing"]
    return []


def alertmanager_watchdog_problems(
    alerts: list[dict[str, Any]], receiver: str, name: str = WATCHDOG
) -> list[str]:
    """Return what is wrong with the Watchdog in /api/v2/alerts (active, for its receiver)."""
    mine = [a for a in alerts if (a.get("labels") or {}).get("alertname") == name]
    if not mine:
        return [f"alert {name!r} is not in Alertmanager (Prometheus does not reach it?)"]
    problems: list[str] = []
    for alert in mine:
        state = (alert.get("status") or {}).get("state")
        receivers = sorted(str(r.get("name")) for r in alert.get("receivers") or [])
        if state != "active":
            problems.append(f"alert {name!r} is {state!r} in Alertmanager, not 'active'")
        if receivers != [receiver]:
            problems.append(f"alert {name!r} goes to {receivers}, the catalog says [{receiver!r}]")
    return problems


def failed_notifications(exposition: str) -> dict[str, float]:
    """Return alertmanager_notifications_failed_total by integration from /metrics."""
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        if family.name != FAILED_NOTIFICATIONS:
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                key = sample.labels.get("integration", "")
                counts[key] = counts.get(key, 0.0) + sample.value
    return counts


def rising_failure_problems(
    before: Mapping[str, float], after: Mapping[str, float], seconds: float
) -> list[str]:
    """Return every integration whose failed-notification counter rose between two reads."""
    return [
        f"{FAILED_NOTIFICATIONS}_total{{integration={name!r}}} rose from "
        f"{before.get(name, 0.0):g} to {value:g} in {seconds:g}s"
        for name, value in sorted(after.items())
        if value > before.get(name, 0.0)
    ]
