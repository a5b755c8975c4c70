"""Steps of alerts.feature: stop the backend, follow BackendDown to the receiver and back."""

from __future__ import annotations

import time

from pytest_bdd import then, when

from contract.artifacts import rule_groups
from contract.assertions import require_empty, violation
from contract.checks.alerts import (
    alert_state,
    generated_alert,
    label_problems,
    matching_notification,
)
from contract.context import RunContext
from contract.durations import duration_seconds
from contract.spec import BACKEND, PROMETHEUS, WEBHOOK
from contract.waiting import Poll, Waited, wait_for

ALERT = "BackendDown"
ALERTS_ENDPOINT = "GET /api/v1/alerts"
# Slack over the rule's `for`: a scrape, an evaluation and Alertmanager's grouping add a little.
PENDING_WAIT_SECONDS = 30.0
FIRING_SLACK_SECONDS = 30.0
DELIVERY_WAIT_SECONDS = 30.0
RESOLVE_WAIT_SECONDS = 60.0


def _wait_state(run: RunContext, wanted: set[str], timeout: float, what: str) -> Waited[str]:
    def look() -> Poll[str]:
        data, _ = run.prometheus.get("/api/v1/alerts")
        state = alert_state(data.get("alerts") or [], ALERT)
        return Poll(state in wanted, f"{ALERT} {state}", state)

    waited = wait_for(
        look, timeout=run.timeout(timeout), progress=run.progress, component="alert", what=what
    )
    run.timings.add("alert_wait", waited.seconds)
    return waited


def _since_stop(run: RunContext) -> float:
    return round(time.monotonic() - float(run.marks["backend_stopped"]), 2)


@when("the backend is stopped")
def stop_backend(contract_run: RunContext) -> None:
    """Stop the backend and note the time."""
    contract_run.stack.component(BACKEND).stop()
    contract_run.marks["backend_stopped"] = time.monotonic()


@then("BackendDown becomes pending in Prometheus")
def becomes_pending(contract_run: RunContext) -> None:
    """BackendDown shows up pending (or already firing, which implies pending passed)."""
    waited = _wait_state(
        contract_run, {"pending", "firing"}, PENDING_WAIT_SECONDS, f"waiting for {ALERT} pending"
    )
    if not waited.done:
        violation(
            PROMETHEUS,
            ALERTS_ENDPOINT,
            f"{ALERT} is still {waited.last.value} {waited.seconds:.0f}s after the stop",
        )
    contract_run.alert["stop_to_pending_s"] = _since_stop(contract_run)


@then("BackendDown becomes firing in Prometheus")
def becomes_firing(contract_run: RunContext) -> None:
    """BackendDown fires once its generated `for` has passed."""
    rule = generated_alert(rule_groups(contract_run.tree), ALERT)
    hold = duration_seconds(str(rule.get("for", "0s")))
    waited = _wait_state(
        contract_run, {"firing"}, hold + FIRING_SLACK_SECONDS, f"waiting for {ALERT} firing"
    )
    if not waited.done:
        violation(
            PROMETHEUS,
            ALERTS_ENDPOINT,
            f"{ALERT} is still {waited.last.value} {waited.seconds:.0f}s after pending",
        )
    contract_run.alert["for_s"] = hold
    contract_run.alert["stop_to_firing_s"] = _since_stop(contract_run)


def _wait_notification(
    run: RunContext, status: str, after: float, timeout: float
) -> Waited[object]:
    receiver = run.stack.webhook

    def look() -> Poll[object]:
        found = matching_notification(
            receiver.notifications(), alertname=ALERT, status=status, after=after
        )
        return Poll(
            found is not None, f"{len(receiver.notifications())} notification(s) so far", found
        )

    waited = wait_for(
        look,
        timeout=run.timeout(timeout),
        progress=run.progress,
        component="alert",
        what=f"waiting for {ALERT} {status} at the webhook receiver",
    )
    run.timings.add("alert_wait", waited.seconds)
    run.stack.evidence.write_json(
        "webhook/notifications.json",
        [
            {"received_utc": n.received_utc, "path": n.path, "payload": n.payload}
            for n in receiver.notifications()
        ],
    )
    if not waited.done:
        violation(
            WEBHOOK,
            "POST (Alertmanager webhook)",
            f"no {status} {ALERT} within {waited.seconds:.0f}s",
            "webhook/notifications.json",
        )
    return waited


@then("the webhook receiver receives BackendDown firing with its generated labels")
def receives_firing(contract_run: RunContext) -> None:
    """Alertmanager delivers BackendDown firing with alertname, severity and job as generated."""
    waited = _wait_notification(
        contract_run,
        "firing",
        float(contract_run.marks["backend_stopped"]),
        DELIVERY_WAIT_SECONDS,
    )
    contract_run.alert["stop_to_delivered_s"] = _since_stop(contract_run)
    found = waited.last.value
    assert isinstance(found, tuple)
    rule = generated_alert(rule_groups(contract_run.tree), ALERT)
    expected = {
        "alertname": ALERT,
        "severity": str((rule.get("labels") or {}).get("severity")),
        "job": contract_run.catalog.service.job,
    }
    require_empty(
        label_problems(found[1], expected),
        WEBHOOK,
        "POST (Alertmanager webhook)",
        "webhook/notifications.json",
    )
    contract_run.progress.say(
        "alert", f"{ALERT} delivered {contract_run.alert['stop_to_delivered_s']}s after the stop"
    )


@when("the backend is started again")
def start_backend(contract_run: RunContext) -> None:
    """Start the backend again and wait until it is ready."""
    contract_run.stack.component(BACKEND).start()
    contract_run.marks["backend_restarted"] = time.monotonic()


@then("the webhook receiver receives BackendDown resolved")
def receives_resolved(contract_run: RunContext) -> None:
    """Alertmanager delivers the resolution once the backend is scraped up again."""
    restarted = float(contract_run.marks["backend_restarted"])
    _wait_notification(contract_run, "resolved", restarted, RESOLVE_WAIT_SECONDS)
    seconds = round(time.monotonic() - restarted, 2)
    contract_run.alert["restart_to_resolved_delivered_s"] = seconds
    contract_run.progress.say("alert", f"{ALERT} resolved, delivered {seconds}s after the restart")
