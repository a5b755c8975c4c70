"""Alert delivery: find an alert's state in Prometheus and its notifications at the receiver."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.webhook import Notification


def alert_state(alerts: list[dict[str, Any]], alertname: str) -> str:
    """Return the alert's state in /api/v1/alerts ('inactive' if absent)."""
    states = {
        str(a.get("state")) for a in alerts if a.get("labels", {}).get("alertname") == alertname
    }
    for state in ("firing", "pending"):
        if state in states:
            return state
    return "inactive"


def matching_notification(
    notifications: list[Notification],
    *,
    alertname: str,
    status: str,
    after: float,
) -> tuple[Notification, dict[str, Any]] | None:
    """Return the first notification after `after` with alertname in status, and that alert."""
    for note in notifications:
        if note.received_monotonic < after:
            continue
        for alert in note.alerts():
            if (
                alert.get("labels", {}).get("alertname") == alertname
                and alert.get("status") == status
            ):
                return note, alert
    return None


def label_problems(alert: Mapping[str, Any], expected: Mapping[str, str]) -> list[str]:
    """Return every expected label the delivered alert lacks or carries with another value."""
    labels = alert.get("labels", {})
    return [
        f"label {name}={labels.get(name)!r}, expected {value!r}"
        for name, value in expected.items()
        if labels.get(name) != value
    ]


def generated_alert(groups: Mapping[str, list[dict[str, Any]]], alertname: str) -> dict[str, Any]:
    """Return the generated rule defining alertname."""
    for rules in groups.values():
        for rule in rules:
            if rule.get("alert") == alertname:
                return rule
    raise KeyError(alertname)
