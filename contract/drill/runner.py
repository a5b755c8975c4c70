"""Run the fire drill on the live stack: drill rules in, quiet proof, every condition in turn.

Order (contract/drill/plan.py CONDITION_ORDER) and why:
- target_removed first: it reloads Prometheus's config twice, and a reload restarts the
  notifier, which can drop an alert resolved at that instant (Prometheus resends it only a
  minute later); first, nothing else is resolving yet;
- upstream_slow before upstream_failing: the failing upstream's 5xx open the chat
  executor's circuit breaker for 30 s, and the slow drill needs chat calls to succeed;
- upstream_slow and upstream_failing before the flood and the bad keys: extra fast
  requests would dilute the slow and failing shares their alerts need to reach;
- bad_keys, request_flood and audit_unwritable together: each moves a series only its own
  alert reads (gate denials, /process volume, audit write errors).
The SLO ticket alerts stay firing until their longest short window forgets the condition
(72 s at scale 300); those tails overlap the later conditions, which only add fast healthy
traffic, so they neither hold nor re-fire them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict

import requests

from contract.drill.conditions import (
    HEALTHY_RATE,
    Condition,
    Conditions,
    healthy_kind,
    reload_prometheus,
)
from contract.drill.load import LoadEngine
from contract.drill.monitor import AlertMonitor, snapshots_as_json
from contract.drill.plan import AlertExpectation, stages
from contract.drill.verdict import (
    AlertResult,
    ConditionWindow,
    DrillRecord,
    Slack,
    delivered_while_inhibited,
    judge_alert,
    never_resolves,
)
from contract.errors import HarnessError
from contract.evidence import Evidence
from contract.progress import Progress
from contract.spec import ALERTMANAGER, BACKEND, PROMETHEUS, WEBHOOK
from contract.stack import Stack

QUIET_SECONDS = 8.0
# After the swap to the drill rules, let their short windows forget the feature traffic's
# deliberate denials before the quiet proof starts watching.
SETTLE_SECONDS = 3.0
TICK_SECONDS = 0.25
# Past a bound, how long to keep waiting before calling an alert missing.
DETECT_GRACE_SECONDS = 20.0
RESOLVE_GRACE_SECONDS = 20.0
STREAM_LIMIT_SECONDS = 110.0


class DrillRunner:
    """Apply every planned condition, watch the alerts, and return what was recorded."""

    def __init__(
        self,
        stack: Stack,
        session: requests.Session,
        plan: dict[str, AlertExpectation],
        *,
        only: frozenset[str],
        slack: Slack,
        timeout_scale: float,
    ) -> None:
        self.stack = stack
        self.session = session
        self.plan = plan
        self.only = only
        self.slack = slack
        self.timeout_scale = timeout_scale
        self.progress: Progress = stack.progress
        self.evidence: Evidence = stack.evidence
        self.load = LoadEngine(stack.url(BACKEND))
        self.monitor = AlertMonitor(stack.url(PROMETHEUS), stack.url(ALERTMANAGER))
        self.windows: dict[str, ConditionWindow] = {}
        self.origin = time.monotonic()
        self.quiet: tuple[float, float] | None = None

    def say(self, message: str) -> None:
        self.progress.say("drill", message)

    def reload(self, config: str) -> None:
        reload_prometheus(self.stack, self.session, config)

    def record(self) -> DrillRecord:
        """Return everything recorded so far."""
        return DrillRecord(
            origin=self.origin,
            quiet=self.quiet,
            windows=self.windows,
            snapshots=self.monitor.history(),
            notifications=self.stack.webhook.notifications(),
        )

    def quiet_phase(self, seconds: float = QUIET_SECONDS) -> None:
        """Let healthy traffic flow with no condition applied."""
        started = time.monotonic()
        self.say(f"healthy traffic only for {seconds:g}s: no drill alert may go pending")
        with self.stack.timings.phase("drill.quiet"):
            time.sleep(seconds)
        self.quiet = (started, time.monotonic())

    def run_conditions(self) -> None:
        """Apply and remove every planned condition, then wait for every resolution."""
        conditions = Conditions(self.stack, self.load, self.reload)
        timings = self.stack.timings
        for stage in stages(self.plan, self.only):
            with timings.phase(f"drill.stage {'+'.join(stage)}"):
                self._run_stage([conditions.get(name) for name in stage])
        with timings.phase("drill.tail (waiting for the last resolutions)"):
            self._wait(self._all_ended, self._tail_timeout(), "every alert delivered resolved")

    def _alerts_of(self, condition: str) -> list[AlertExpectation]:
        return [e for e in self.plan.values() if e.condition == condition]

    def _run_stage(self, stage: list[Condition]) -> None:
        names = ", ".join(c.name for c in stage)
        self.say(f"applying {names}")
        for condition in stage:
            # Opened before applying: stopping a container takes a second or more, and
            # the alert may go pending before the stop returns.
            self.windows[condition.name] = ConditionWindow(time.monotonic())
            condition.apply()
        pending = {c.name: c for c in stage}
        deadline = time.monotonic() + max(self._detect_timeout(c.name) for c in stage)
        while pending and time.monotonic() < deadline:
            for name in [n for n in pending if self._ready_to_remove(n)]:
                self._remove(pending.pop(name))
            self._note_ended()
            time.sleep(TICK_SECONDS)
        for condition in pending.values():
            self.say(f"{condition.name}: its alerts did not all fire in time; removing it")
            self._remove(condition)

    def _remove(self, condition: Condition) -> None:
        condition.remove()
        window = self.windows[condition.name]
        window.removed = time.monotonic()
        took = window.removed - window.applied
        self.say(f"{condition.name}: removed after {took:.1f}s")

    def _results(self, condition: str) -> list[tuple[AlertExpectation, AlertResult]]:
        record = self.record()
        return [(e, judge_alert(e, record, slack=self.slack)) for e in self._alerts_of(condition)]

    def _ready_to_remove(self, condition: str) -> bool:
        """An alert is done with its condition once delivered, or held by its inhibitor."""
        for expected, result in self._results(condition):
            if never_resolves(expected):
                # Nothing to remove, and its delivery may wait for Prometheus's resend
                # delay (a reload restarts the notifier): the tail waits for it instead.
                continue
            held = result.firing is not None and result.held_by_inhibition
            # Delivered while it should be held: the inhibition already failed, stop waiting.
            if result.delivered is None and not (expected.inhibited_by and held):
                return False
        return True

    def _note_ended(self) -> None:
        for name, window in self.windows.items():
            if window.removed is None or window.ended is not None:
                continue
            if all(
                r.delivered is not None and (r.resolved_delivered is not None or never_resolves(e))
                for e, r in self._results(name)
            ):
                window.ended = time.monotonic()
                self.say(f"{name}: every alert delivered resolved")

    def _only_failed_left(self, name: str) -> bool:
        """Every alert of the condition still to resolve has already failed for good."""
        unresolved = [
            (e, r)
            for e, r in self._results(name)
            if r.resolved_delivered is None and not never_resolves(e)
        ]
        return all(self._already_failed(e, r) for e, r in unresolved)

    def _already_failed(self, expected: AlertExpectation, result: AlertResult) -> bool:
        """Delivered while an inhibitor of it was still firing: no later step can mend it."""
        if result.delivered is None or not expected.inhibited_by:
            return False
        record = self.record()
        return any(
            delivered_while_inhibited(
                result, judge_alert(self.plan[source], record, slack=self.slack)
            )
            for source in expected.inhibited_by
            if source in self.plan
        )

    def _all_ended(self) -> bool:
        self._note_ended()
        waiting = [n for n, w in self.windows.items() if w.ended is None]
        if waiting and all(self._only_failed_left(n) for n in waiting):
            # Their verdict cannot change: waiting out a resolution (an SLO ticket's
            # long window) would only make a failing run slower.
            self.say(f"{', '.join(waiting)}: the alerts left already failed; not waiting")
            return True
        return not waiting

    def _detect_timeout(self, condition: str) -> float:
        worst = max(e.bound.total for e in self._alerts_of(condition))
        return (worst * 2 + DETECT_GRACE_SECONDS) * self.timeout_scale

    def _tail_timeout(self) -> float:
        worst = max((e.resolve_bound for e in self.plan.values()), default=0.0)
        return (worst * 1.5 + RESOLVE_GRACE_SECONDS) * self.timeout_scale

    def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        next_report = time.monotonic() + 5.0
        while not done() and time.monotonic() < deadline:
            if time.monotonic() >= next_report:
                waiting = sorted(n for n, w in self.windows.items() if w.ended is None)
                self.say(f"waiting for {what}: {', '.join(waiting)}")
                next_report = time.monotonic() + 5.0
            time.sleep(TICK_SECONDS)

    def delivery_evidence(self) -> str:
        """Quote Alertmanager's own view of its webhook notifications and its log."""
        try:
            metrics = self.session.get(self.stack.url(ALERTMANAGER) + "/metrics", timeout=5).text
        except requests.RequestException as exc:
            metrics = f"(no answer from /metrics: {exc})"
        return describe_delivery(metrics, self.stack.component(ALERTMANAGER).logs())

    def save(self, record: DrillRecord) -> None:
        """Write what the drill saw under drill/ in the evidence."""
        self.evidence.write_json(
            "drill/observations.json", snapshots_as_json(record.snapshots, self.origin)
        )
        self.evidence.write_json("drill/plan.json", {n: asdict(e) for n, e in self.plan.items()})
        self.evidence.write_json("drill/load.json", [r.as_dict() for r in self.load.reports])
        self.evidence.write_json(
            "webhook/notifications.json",
            [
                {"received_utc": n.received_utc, "receiver": n.receiver, "payload": n.payload}
                for n in record.notifications
            ],
        )


def start_drill(runner: DrillRunner) -> None:
    """Start the monitor and the healthy background traffic (the drill rules are loaded)."""
    stack = runner.stack
    runner.monitor.__enter__()
    runner.load.__enter__()
    runner.load.start(
        "healthy", healthy_kind(stack.api_key), rate=HEALTHY_RATE, seconds=STREAM_LIMIT_SECONDS * 2
    )
    if stack.webhook.exit_status() is not None:
        raise HarnessError(WEBHOOK, "the webhook receiver is not running")
    time.sleep(SETTLE_SECONDS)
    runner.origin = time.monotonic()


def stop_drill(runner: DrillRunner) -> None:
    """Stop the traffic and the monitor (safe to call twice)."""
    runner.load.__exit__(None, None, None)
    runner.monitor.__exit__(None, None, None)


def describe_delivery(metrics: str, log: str, integration: str = "webhook") -> str:
    """Return Alertmanager's notification counters for an integration and its telling log lines."""
    counters = [
        line
        for line in metrics.splitlines()
        if line.startswith(
            ("alertmanager_notifications_failed_total", "alertmanager_notifications_total")
        )
        and f'integration="{integration}"' in line
    ]
    lines = [
        line
        for line in log.splitlines()
        if "notify" in line.lower() or "level=error" in line or "level=warn" in line
    ][-8:]
    return (
        "Alertmanager /metrics: "
        + ("; ".join(counters) or f"no {integration} notification counters")
        + " | Alertmanager log: "
        + (" / ".join(lines) or "no notify, warning or error line")
    )
