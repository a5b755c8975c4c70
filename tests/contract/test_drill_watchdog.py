"""The drill's verdict on the Watchdog: always firing, delivered to its receiver, never resolved."""

from __future__ import annotations

from contract.drill.monitor import Snapshot
from contract.drill.verdict import ConditionWindow, judge_alert, quiet_problems
from contract.webhook import Notification
from tests.contract.test_drill_verdict import SLACK, expectation, firing, record, texts

WATCHDOG = expectation("Watchdog", condition="always", severity="watchdog")
# Its window opens at 10 and closes at once: there is no condition to hold or remove.
WINDOWS = {"always": ConditionWindow(10.0, 10.0, 11.0)}


def watchdog_note(at: float, status: str = "firing", *, receiver: str = "watchdog") -> Notification:
    alert = {
        "status": status,
        "labels": {"alertname": "Watchdog", "severity": "watchdog"},
        "annotations": {"summary": "Backend  is down", "runbook_url": "runbooks/Watchdog.md"},
    }
    return Notification(at, "t", "/alerts", {"receiver": receiver, "alerts": [alert]})


def test_a_watchdog_delivered_before_the_drill_and_never_resolved_passes() -> None:
    # Delivered at 2 (when the rules were first loaded), long before its window opened,
    # and firing at every poll: no resolution is asked of it.
    drill = record(
        [firing(5.0, "Watchdog"), firing(12.0, "Watchdog"), firing(30.0, "Watchdog")],
        [watchdog_note(2.0)],
        WINDOWS,
    )
    result = judge_alert(WATCHDOG, drill, slack=SLACK)
    assert texts(result) == []
    assert result.delivered_receiver == "watchdog"
    assert result.firing == 12.0
    assert result.resolved_delivered is None


def test_a_watchdog_that_is_not_firing_is_named() -> None:
    drill = record([Snapshot(12.0)], [watchdog_note(2.0)], WINDOWS)
    assert texts(judge_alert(WATCHDOG, drill, slack=SLACK)) == [
        "is not firing in Prometheus, yet it has no condition "
        "(evidence drill/observations.json, webhook/notifications.json)"
    ]


def test_a_watchdog_that_stops_firing_is_named() -> None:
    drill = record([firing(12.0, "Watchdog"), Snapshot(20.0)], [watchdog_note(2.0)], WINDOWS)
    (problem,) = texts(judge_alert(WATCHDOG, drill, slack=SLACK))
    assert problem.startswith("stopped firing 10.0s into its drill: it has no condition")


def test_a_watchdog_never_delivered_names_its_receiver() -> None:
    drill = record([firing(12.0, "Watchdog")], [], WINDOWS)
    assert texts(judge_alert(WATCHDOG, drill, slack=SLACK)) == [
        "fires in Prometheus but no firing notification reached receiver 'watchdog' "
        "(webhook integration)"
    ]


def test_a_watchdog_delivered_to_another_receiver_is_named() -> None:
    drill = record([firing(12.0, "Watchdog")], [watchdog_note(2.0, receiver="page")], WINDOWS)
    assert "delivered by receiver 'page', but severity 'watchdog' routes to 'watchdog'" in texts(
        judge_alert(WATCHDOG, drill, slack=SLACK)
    )


def test_a_watchdog_missing_its_annotation_is_named() -> None:
    bad = watchdog_note(2.0)
    bad.payload["alerts"][0]["annotations"].pop("runbook_url")
    drill = record([firing(12.0, "Watchdog")], [bad], WINDOWS)
    assert "delivered with annotation runbook_url=None, expected 'runbooks/Watchdog.md'" in texts(
        judge_alert(WATCHDOG, drill, slack=SLACK)
    )


def test_a_watchdog_delivered_resolved_is_named() -> None:
    drill = record(
        [firing(12.0, "Watchdog")], [watchdog_note(2.0), watchdog_note(25.0, "resolved")], WINDOWS
    )
    result = judge_alert(WATCHDOG, drill, slack=SLACK)
    assert result.problems_of("resolve") == [
        "Watchdog: was delivered resolved to 'watchdog': a dead man's switch never resolves, "
        "so its receiver would raise the alarm"
    ]


def test_the_quiet_proof_does_not_count_the_watchdog_but_counts_the_rest() -> None:
    plan = {"Watchdog": WATCHDOG, "Down": expectation()}
    drill = record([firing(3.0, "Watchdog"), firing(4.0, "Watchdog", "Down")], [], {})
    problems = quiet_problems(plan, drill)
    assert len(problems) == 1
    assert problems[0].startswith("Down went firing (value 1) at +4.0s under healthy traffic only")


def test_an_open_watchdog_window_is_not_named_as_the_condition_applied() -> None:
    # The Watchdog's window stays open until it is delivered: another alert firing then
    # fired under healthy traffic, not "while always was applied".
    plan = {"Watchdog": WATCHDOG, "Down": expectation()}
    drill = record([firing(4.0, "Down")], [], {"always": ConditionWindow(1.0, 1.0)})
    (problem,) = quiet_problems(plan, drill)
    assert "under healthy traffic only" in problem
