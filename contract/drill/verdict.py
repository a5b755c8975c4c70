"""Judge a drill from what was recorded: pure functions, so every problem has a unit test."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contract.drill.monitor import Snapshot
from contract.drill.plan import AlertExpectation
from contract.webhook import Notification
from obs.catalog.drill import ALWAYS

_LABEL_REF = re.compile(r"\{\{\s*\$labels\.(\w+)\s*\}\}")
EVIDENCE = "drill/observations.json, webhook/notifications.json"


@dataclass(frozen=True)
class Slack:
    """What a measured time may exceed its bound by: fixed seconds plus a share of the bound."""

    seconds: float
    share: float = 0.0

    def limit(self, bound: float) -> float:
        return bound + self.seconds + self.share * bound

    def describe(self) -> str:
        return f"{self.seconds:g}s + {self.share:.0%} of slack"


@dataclass
class ConditionWindow:
    """When a condition was applied, removed, and when its drill ended (monotonic seconds)."""

    applied: float
    removed: float | None = None
    ended: float | None = None

    def covers(self, at: float) -> bool:
        return self.applied <= at and (self.ended is None or at <= self.ended)


@dataclass
class DrillRecord:
    """Everything the runner saw, for the verdict."""

    origin: float
    quiet: tuple[float, float] | None
    windows: dict[str, ConditionWindow]
    snapshots: list[Snapshot]
    notifications: list[Notification]
    # Alertmanager's own evidence, by alert, for alerts never delivered.
    delivery_evidence: dict[str, str] = field(default_factory=dict)


@dataclass
class AlertResult:
    """One alert's drill: times relative to its condition, receiver and problems."""

    name: str
    condition: str
    severity: str
    receiver: str
    applied: float | None = None
    pending: float | None = None
    firing: float | None = None
    delivered: float | None = None
    delivered_receiver: str | None = None
    removed: float | None = None
    resolved: float | None = None
    resolved_delivered: float | None = None
    held_by_inhibition: bool = False
    # (stopped, fired again): it left Prometheus while its condition still held.
    restarted: tuple[float, float] | None = None
    # (kind, text): kind is fire, deliver, resolve or bound, so each step reports its own.
    problems: list[tuple[str, str]] = field(default_factory=list)

    def problems_of(self, kind: str) -> list[str]:
        return [f"{self.name}: {text}" for k, text in self.problems if k == kind]

    def since_applied(self, at: float | None) -> float | None:
        return None if at is None or self.applied is None else round(at - self.applied, 2)

    def since_removed(self, at: float | None) -> float | None:
        return None if at is None or self.removed is None else round(at - self.removed, 2)


def expand(template: str, labels: Mapping[str, str]) -> str:
    """Expand `{{ $labels.x }}` the way Prometheus does (a missing label is empty)."""
    return _LABEL_REF.sub(lambda m: labels.get(m.group(1), ""), template)


def _first_notification(
    notes: list[Notification], alert: str, status: str, after: float
) -> tuple[Notification, dict[str, Any]] | None:
    for note in notes:
        if note.received_monotonic < after:
            continue
        for item in note.alerts():
            if (item.get("labels") or {}).get("alertname") == alert and item.get(
                "status"
            ) == status:
                return note, item
    return None


def never_resolves(expected: AlertExpectation) -> bool:
    """An alert with no condition (the Watchdog) fires all the time: it must never resolve."""
    return expected.condition == ALWAYS


def judge_alert(expected: AlertExpectation, record: DrillRecord, *, slack: Slack) -> AlertResult:
    """Follow one alert from its condition to its delivered resolution."""
    result = AlertResult(expected.name, expected.condition, expected.severity, expected.receiver)
    window = record.windows.get(expected.condition)
    if window is None:
        result.problems.append(("fire", f"its condition {expected.condition!r} was never applied"))
        return result
    if never_resolves(expected):
        return _judge_always(expected, record, window, result)
    result.applied, result.removed = window.applied, window.removed
    stopped_at: float | None = None  # firing, then gone while the condition still held
    for snap in record.snapshots:
        seen = snap.prometheus.get(expected.name)
        if snap.at < window.applied or (seen is None and snap.errors):
            # A failed poll says nothing about the alert: never read it as resolved.
            continue
        held = window.removed is None or snap.at < window.removed
        if seen is not None:
            if result.pending is None:
                result.pending = max(seen.active_at, window.applied)
            if seen.state == "firing" and result.firing is None:
                result.firing = snap.at
            if stopped_at is not None and held and result.restarted is None:
                result.restarted = (stopped_at, snap.at)
            stopped_at = None
            am = snap.alertmanager.get(expected.name)
            if (
                seen.state == "firing"
                and am is not None
                and am.state == "suppressed"
                and am.inhibited_by
            ):
                result.held_by_inhibition = True
        elif result.firing is not None and held:
            stopped_at = snap.at if stopped_at is None else stopped_at
        elif result.firing is not None and result.resolved is None:
            # Gone before its condition was removed and never back: it resolved then.
            result.resolved = snap.at if stopped_at is None else stopped_at
    if result.resolved is None:
        result.resolved = stopped_at
    if result.restarted is not None:
        stopped, again = result.restarted
        result.problems.append(
            (
                "fire",
                f"stopped firing {result.since_applied(stopped)}s after {expected.condition!r} "
                f"was applied, while it still held, and came back at "
                f"{result.since_applied(again)}s: the series its expression reads is not "
                "steady under the drill's load, and Alertmanager holds a returning alert "
                f"until the group's next group_interval (evidence {EVIDENCE})",
            )
        )
    if result.firing is None:
        result.problems.append(
            (
                "fire",
                f"never went firing in Prometheus after {expected.condition!r} was applied "
                f"({'it went pending' if result.pending else 'not even pending'}; "
                f"evidence {EVIDENCE})",
            )
        )
        return result
    _judge_delivery(
        expected,
        record,
        result,
        window.applied,
        f"fired in Prometheus {result.since_applied(result.firing)}s after the condition",
    )
    if window.removed is not None:
        resolved = _first_notification(
            record.notifications, expected.name, "resolved", result.firing
        )
        if resolved is None:
            result.problems.append(
                (
                    "resolve",
                    f"no resolved notification after {expected.condition!r} was removed "
                    f"(resolved in Prometheus: {'yes' if result.resolved else 'no'}; "
                    f"evidence {EVIDENCE})",
                )
            )
        else:
            result.resolved_delivered = resolved[0].received_monotonic
    result.problems += [("bound", p) for p in _bound_problems(expected, result, slack)]
    return result


def _judge_delivery(
    expected: AlertExpectation, record: DrillRecord, result: AlertResult, after: float, fired: str
) -> None:
    """Find its first firing notification after `after`; name what is missing or wrong."""
    delivered = _first_notification(record.notifications, expected.name, "firing", after)
    if delivered is None:
        evidence = record.delivery_evidence.get(expected.name, "")
        result.problems.append(
            (
                "deliver",
                f"{fired} but no firing notification reached receiver {expected.receiver!r} "
                f"(webhook integration){': ' + evidence if evidence else ''}",
            )
        )
        return
    note, alert = delivered
    result.delivered, result.delivered_receiver = note.received_monotonic, note.receiver
    result.problems += [("deliver", p) for p in _delivery_problems(expected, note, alert)]


def _judge_always(
    expected: AlertExpectation, record: DrillRecord, window: ConditionWindow, result: AlertResult
) -> AlertResult:
    """Firing at every poll from its window on, delivered at some time, never resolved."""
    result.applied = window.applied
    polls = [s for s in record.snapshots if s.at >= window.applied and not s.errors]
    for snap in polls:
        seen = snap.prometheus.get(expected.name)
        if seen is not None and seen.state == "firing":
            if result.firing is None:
                result.pending, result.firing = min(seen.active_at, snap.at), snap.at
        elif result.firing is not None and result.resolved is None:
            result.resolved = snap.at
    if result.firing is None:
        result.problems.append(
            ("fire", f"is not firing in Prometheus, yet it has no condition (evidence {EVIDENCE})")
        )
        return result
    if result.resolved is not None:
        result.problems.append(
            (
                "fire",
                f"stopped firing {result.since_applied(result.resolved)}s into its drill: "
                f"it has no condition, so Prometheus stopped evaluating it (evidence {EVIDENCE})",
            )
        )
    # It fired when its rules were first loaded, long before its window opened, and
    # Alertmanager repeats it only every repeat_interval: any delivery since the start counts.
    _judge_delivery(expected, record, result, float("-inf"), "fires in Prometheus")
    resolved = _first_notification(record.notifications, expected.name, "resolved", float("-inf"))
    if resolved is not None:
        result.resolved_delivered = resolved[0].received_monotonic
        result.problems.append(
            (
                "resolve",
                f"was delivered resolved to {resolved[0].receiver!r}: a dead man's switch "
                "never resolves, so its receiver would raise the alarm",
            )
        )
    return result


def _delivery_problems(
    expected: AlertExpectation, note: Notification, alert: Mapping[str, Any]
) -> list[str]:
    problems: list[str] = []
    if note.receiver != expected.receiver:
        problems.append(
            f"delivered by receiver {note.receiver!r}, but severity {expected.severity!r} "
            f"routes to {expected.receiver!r}"
        )
    labels = {str(k): str(v) for k, v in (alert.get("labels") or {}).items()}
    for name, value in expected.labels.items():
        if labels.get(name) != value:
            problems.append(f"delivered with label {name}={labels.get(name)!r}, expected {value!r}")
    annotations = alert.get("annotations") or {}
    for name, template in expected.annotations.items():
        want = expand(template, labels)
        if annotations.get(name) != want:
            problems.append(
                f"delivered with annotation {name}={annotations.get(name)!r}, expected {want!r}"
            )
    return problems


def _bound_problems(expected: AlertExpectation, result: AlertResult, slack: Slack) -> list[str]:
    bound = expected.bound
    if expected.inhibited_by:
        # Held by design: its detection is bounded up to firing, not delivery.
        took, limit, what = (
            result.since_applied(result.firing),
            bound.total - bound.group_wait,
            "fire",
        )
    else:
        took, limit, what = result.since_applied(result.delivered), bound.total, "be delivered"
    if took is not None and took > slack.limit(limit):
        return [
            f"took {took:g}s to {what}, over its bound of {limit:g}s ({bound.describe()}) "
            f"plus {slack.describe()}"
        ]
    return []


def delivered_while_inhibited(target: AlertResult, source: AlertResult) -> bool:
    """The target was delivered while its inhibitor source was delivered and still firing."""
    return (
        target.delivered is not None
        and source.delivered is not None
        and (source.resolved is None or target.delivered < source.resolved)
    )


def inhibition_problems(
    expected: Mapping[str, AlertExpectation], results: Mapping[str, AlertResult]
) -> list[str]:
    """Every inhibited alert was held while its inhibitor fired, and delivered once alone."""
    problems: list[str] = []
    for name, want in expected.items():
        target = results.get(name)
        if target is None or target.firing is None:
            continue
        for source_name in want.inhibited_by:
            source = results.get(source_name)
            if source is None or source.firing is None:
                problems.append(
                    f"{name}: its inhibitor {source_name} never fired, so the inhibition "
                    "was not exercised"
                )
                continue
            if delivered_while_inhibited(target, source):
                problems.append(
                    f"{name} was delivered {target.since_applied(target.delivered)}s after its "
                    f"condition while its inhibitor {source_name} was still firing: Alertmanager "
                    "did not inhibit it (check inhibit_rules in alertmanager.yml)"
                )
            elif not target.held_by_inhibition:
                problems.append(
                    f"{name} fired while {source_name} fired, but Alertmanager never reported "
                    "it suppressed by an inhibition"
                )
    return problems


def quiet_problems(expected: Mapping[str, AlertExpectation], record: DrillRecord) -> list[str]:
    """Every alert that went pending or firing outside its own drill, once each."""
    problems: dict[tuple[str, str], str] = {}
    for snap in record.snapshots:
        for name, seen in snap.prometheus.items():
            want = expected.get(name)
            if want is not None and never_resolves(want):
                continue  # it fires all the time: its own drill proves it, not the quiet one
            window = record.windows.get(want.condition) if want else None
            if window is not None and window.covers(snap.at):
                continue
            active = [c for c, w in record.windows.items() if w.covers(snap.at) and c != ALWAYS]
            during = (
                f"while only {', '.join(sorted(active))} was applied"
                if active
                else "under healthy traffic only"
            )
            key = (name, seen.state)
            problems.setdefault(
                key,
                f"{name} went {seen.state} (value {seen.value}) at "
                f"+{snap.at - record.origin:.1f}s {during}, outside its own drill "
                f"({want.condition if want else 'no drill plans it'}; evidence {EVIDENCE})",
            )
    return list(problems.values())
