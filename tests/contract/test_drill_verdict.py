"""The drill's verdict: each problem it can report, fed the record that shows it."""

from __future__ import annotations

from typing import Any

from contract.drill.monitor import AmAlert, PromAlert, Snapshot
from contract.drill.plan import AlertExpectation, Bound
from contract.drill.runner import describe_delivery
from contract.drill.verdict import (
    AlertResult,
    ConditionWindow,
    DrillRecord,
    Slack,
    inhibition_problems,
    judge_alert,
    quiet_problems,
)
from contract.webhook import Notification

BOUND = Bound(scrape=0.25, evaluation=1.0, hold=0.1, group_wait=5.0, window=1.0)
SLACK = Slack(3.0)


def expectation(
    name: str = "Down",
    *,
    condition: str = "backend_stopped",
    severity: str = "page",
    inhibited_by: tuple[str, ...] = (),
) -> AlertExpectation:
    return AlertExpectation(
        name=name,
        condition=condition,
        severity=severity,
        receiver=severity,
        labels={"alertname": name, "severity": severity},
        annotations={
            "summary": "Backend {{ $labels.instance }} is down",
            "runbook_url": f"runbooks/{name}.md",
        },
        inhibited_by=inhibited_by,
        bound=BOUND,
        resolve_bound=12.0,
    )


def firing(at: float, *names: str, state: str = "firing", am: str = "active") -> Snapshot:
    labels = {"instance": "b:8080"}
    return Snapshot(
        at,
        {n: PromAlert(state, at - 1.0, "1", {"alertname": n, **labels}) for n in names},
        {n: AmAlert(am, ("x",) if am == "suppressed" else ()) for n in names},
    )


def note(
    at: float, name: str, status: str, *, receiver: str = "page", **extra: Any
) -> Notification:
    alert = {
        "status": status,
        "labels": {"alertname": name, "severity": "page", "instance": "b:8080"},
        "annotations": {"summary": "Backend b:8080 is down", "runbook_url": f"runbooks/{name}.md"},
    }
    alert.update(extra)
    return Notification(at, "t", "/alerts", {"receiver": receiver, "alerts": [alert]})


def record(
    snapshots: list[Snapshot],
    notes: list[Notification],
    windows: dict[str, ConditionWindow] | None = None,
) -> DrillRecord:
    return DrillRecord(
        origin=0.0,
        quiet=(0.0, 10.0),
        windows=windows
        if windows is not None
        else {"backend_stopped": ConditionWindow(10.0, 20.0, 40.0)},
        snapshots=snapshots,
        notifications=notes,
    )


def healthy_drill() -> DrillRecord:
    return record(
        [firing(11.0, "Down", state="pending"), firing(12.0, "Down"), Snapshot(21.0)],
        [note(17.0, "Down", "firing"), note(30.0, "Down", "resolved")],
    )


def texts(result: AlertResult) -> list[str]:
    return [text for _, text in result.problems]


def test_a_good_drill_has_no_problem_and_its_times() -> None:
    result = judge_alert(expectation(), healthy_drill(), slack=SLACK)
    assert texts(result) == []
    assert (result.since_applied(result.pending), result.since_applied(result.firing)) == (0.0, 2.0)
    assert result.since_applied(result.delivered) == 7.0
    assert result.since_removed(result.resolved_delivered) == 10.0
    assert result.delivered_receiver == "page"


def test_an_alert_that_never_fires_is_named() -> None:
    result = judge_alert(
        expectation(), record([firing(11.0, "Down", state="pending")], []), slack=SLACK
    )
    assert texts(result) == [
        "never went firing in Prometheus after 'backend_stopped' was applied (it went pending; "
        "evidence drill/observations.json, webhook/notifications.json)"
    ]


def test_an_undelivered_alert_names_receiver_integration_and_alertmanager_evidence() -> None:
    drill = record([firing(12.0, "Down"), Snapshot(21.0)], [])
    drill.delivery_evidence = {"Down": 'notifications_failed_total{integration="webhook"} 3'}
    problems = texts(judge_alert(expectation(), drill, slack=SLACK))
    assert problems[0].startswith("fired in Prometheus 2.0s after the condition but no firing")
    assert "receiver 'page' (webhook integration)" in problems[0]
    assert 'notifications_failed_total{integration="webhook"} 3' in problems[0]


def test_a_wrong_receiver_is_named_with_the_expected_one() -> None:
    drill = record([firing(12.0, "Down")], [note(17.0, "Down", "firing", receiver="ticket")])
    assert "delivered by receiver 'ticket', but severity 'page' routes to 'page'" in texts(
        judge_alert(expectation(), drill, slack=SLACK)
    )


def test_a_missing_label_and_a_wrong_annotation_are_named() -> None:
    alert = note(17.0, "Down", "firing")
    alert.payload["alerts"][0]["labels"].pop("severity")
    alert.payload["alerts"][0]["annotations"]["summary"] = "Backend is down"
    problems = texts(
        judge_alert(expectation(), record([firing(12.0, "Down")], [alert]), slack=SLACK)
    )
    assert "delivered with label severity=None, expected 'page'" in problems
    assert (
        "delivered with annotation summary='Backend is down', "
        "expected 'Backend b:8080 is down'" in problems
    )


def test_a_resolution_never_delivered_is_named() -> None:
    drill = record([firing(12.0, "Down"), Snapshot(21.0)], [note(17.0, "Down", "firing")])
    problems = texts(judge_alert(expectation(), drill, slack=SLACK))
    assert problems == [
        "no resolved notification after 'backend_stopped' was removed (resolved in Prometheus: "
        "yes; evidence drill/observations.json, webhook/notifications.json)"
    ]


def test_a_delivery_over_its_bound_is_named_with_the_bound_parts() -> None:
    drill = record(
        [firing(12.0, "Down")], [note(30.0, "Down", "firing"), note(31.0, "Down", "resolved")]
    )
    (problem,) = texts(judge_alert(expectation(), drill, slack=SLACK))
    assert problem == (
        "took 20s to be delivered, over its bound of 7.35s (scrape 0.25 + evaluation 1 + for 0.1 "
        "+ group_wait 5 + window 1 = 7.35s) plus 3s + 0% of slack"
    )


def test_a_share_of_the_bound_widens_the_slack() -> None:
    drill = record(
        [firing(12.0, "Down")], [note(20.0, "Down", "firing"), note(31.0, "Down", "resolved")]
    )
    # 10s to deliver: over 7.35 + 2, within 7.35 + 2 + 50% of 7.35.
    assert texts(judge_alert(expectation(), drill, slack=Slack(2.0)))[0].startswith("took 10s")
    assert texts(judge_alert(expectation(), drill, slack=Slack(2.0, 0.5))) == []


def test_an_alert_that_stops_and_fires_again_under_its_condition_is_named() -> None:
    # Firing at 12, gone at 14 while backend_stopped still holds (removed at 20), back at 15:
    # the flap that delays delivery by a group_interval, named as such, not as a slow delivery.
    drill = record(
        [firing(12.0, "Down"), Snapshot(14.0), firing(15.0, "Down"), Snapshot(21.0)],
        [note(17.0, "Down", "firing"), note(30.0, "Down", "resolved")],
    )
    result = judge_alert(expectation(), drill, slack=SLACK)
    assert result.restarted == (14.0, 15.0)
    assert result.problems_of("fire") == [
        "Down: stopped firing 4.0s after 'backend_stopped' was applied, while it still held, "
        "and came back at 5.0s: the series its expression reads is not steady under the "
        "drill's load, and Alertmanager holds a returning alert until the group's next "
        "group_interval (evidence drill/observations.json, webhook/notifications.json)"
    ]
    assert result.resolved == 21.0


def test_a_failed_poll_is_not_read_as_the_alert_stopping() -> None:
    drill = record(
        [
            firing(12.0, "Down"),
            Snapshot(14.0, errors=("prometheus: timeout",)),
            firing(15.0, "Down"),
            Snapshot(21.0),
        ],
        [note(17.0, "Down", "firing"), note(30.0, "Down", "resolved")],
    )
    result = judge_alert(expectation(), drill, slack=SLACK)
    assert (result.restarted, texts(result), result.resolved) == (None, [], 21.0)


def test_an_alert_that_stops_for_good_under_its_condition_resolved_then() -> None:
    drill = record(
        [firing(12.0, "Down"), Snapshot(14.0), Snapshot(21.0)],
        [note(17.0, "Down", "firing"), note(30.0, "Down", "resolved")],
    )
    result = judge_alert(expectation(), drill, slack=SLACK)
    assert (result.restarted, result.resolved) == (None, 14.0)


def _inhibition(target_notes: list[Notification], target_am: str) -> list[str]:
    plan = {
        "Page": expectation("Page"),
        "Ticket": expectation("Ticket", severity="ticket", inhibited_by=("Page",)),
    }
    snapshots = [
        firing(12.0, "Page"),
        Snapshot(
            14.0,
            {
                "Page": PromAlert("firing", 11.0, "1", {}),
                "Ticket": PromAlert("firing", 12.0, "1", {}),
            },
            {
                "Page": AmAlert("active", ()),
                "Ticket": AmAlert(target_am, ("p",) if target_am == "suppressed" else ()),
            },
        ),
        firing(25.0, "Ticket"),
        Snapshot(50.0),
    ]
    drill = record(snapshots, [note(17.0, "Page", "firing"), *target_notes])
    results = {name: judge_alert(want, drill, slack=SLACK) for name, want in plan.items()}
    return inhibition_problems(plan, results)


def test_an_inhibited_alert_held_then_delivered_alone_passes() -> None:
    assert _inhibition([note(30.0, "Ticket", "firing", receiver="ticket")], "suppressed") == []


def test_an_alert_delivered_while_its_inhibitor_fires_is_named() -> None:
    problems = _inhibition([note(18.0, "Ticket", "firing", receiver="ticket")], "active")
    assert problems == [
        "Ticket was delivered 8.0s after its condition while its inhibitor Page was still "
        "firing: Alertmanager did not inhibit it (check inhibit_rules in alertmanager.yml)"
    ]


def test_an_inhibition_alertmanager_never_reported_is_named() -> None:
    problems = _inhibition([note(30.0, "Ticket", "firing", receiver="ticket")], "active")
    assert problems == [
        "Ticket fired while Page fired, but Alertmanager never reported it suppressed by an "
        "inhibition"
    ]


def test_an_alert_under_healthy_traffic_fails_the_quiet_proof() -> None:
    drill = record([firing(5.0, "Down", state="pending")], [], windows={})
    assert quiet_problems({"Down": expectation()}, drill) == [
        "Down went pending (value 1) at +5.0s under healthy traffic only, outside its own drill "
        "(backend_stopped; evidence drill/observations.json, webhook/notifications.json)"
    ]


def test_an_alert_firing_in_another_drill_is_named_with_that_drill() -> None:
    drill = record(
        [firing(15.0, "Volume")],
        [],
        windows={
            "backend_stopped": ConditionWindow(10.0, 20.0, 40.0),
            "request_flood": ConditionWindow(50.0, 60.0, 70.0),
        },
    )
    plan = {"Down": expectation(), "Volume": expectation("Volume", condition="request_flood")}
    assert quiet_problems(plan, drill) == [
        "Volume went firing (value 1) at +15.0s while only backend_stopped was applied, "
        "outside its own drill (request_flood; evidence drill/observations.json, "
        "webhook/notifications.json)"
    ]


def test_an_alert_no_drill_plans_is_named_too() -> None:
    drill = record([firing(15.0, "Stray")], [])
    (problem,) = quiet_problems({"Down": expectation()}, drill)
    assert problem.startswith("Stray went firing") and "no drill plans it" in problem


def test_delivery_evidence_quotes_the_integration_counters_and_the_failing_log_lines() -> None:
    metrics = (
        'alertmanager_notifications_failed_total{integration="email"} 0\n'
        'alertmanager_notifications_failed_total{integration="webhook"} 4\n'
        'alertmanager_notifications_total{integration="webhook"} 6\n'
    )
    log = (
        "ts=1 level=info msg=started\n"
        'ts=2 level=error component=dispatcher msg="Notify for alerts failed" '
        'err="ticket/webhook[0]: notify retry canceled: connection refused"\n'
    )
    text = describe_delivery(metrics, log)
    assert 'failed_total{integration="webhook"} 4' in text
    assert "email" not in text
    assert "ticket/webhook[0]: notify retry canceled: connection refused" in text
    assert "started" not in text


def test_a_condition_window_opens_before_the_condition_is_applied() -> None:
    # Stopping a container takes a second or more: an alert going pending during the
    # stop is the drill's own, not an alert outside it.
    from contract.drill.conditions import Condition
    from contract.drill.runner import DrillRunner

    class QuietRunner(DrillRunner):
        # Only the staging logic is under test: no stack to poll, no output.
        def say(self, message: str) -> None:
            pass

        def _ready_to_remove(self, condition: str) -> bool:
            return True

        def _note_ended(self) -> None:
            pass

        def _detect_timeout(self, condition: str) -> float:
            return 1.0

    runner = QuietRunner.__new__(QuietRunner)
    runner.windows = {}
    open_while_applying: list[bool] = []
    stop = Condition(
        "backend_stopped",
        lambda: open_while_applying.append("backend_stopped" in runner.windows),
        lambda: None,
    )
    runner._run_stage([stop])
    assert open_while_applying == [True]
    assert runner.windows["backend_stopped"].removed is not None
