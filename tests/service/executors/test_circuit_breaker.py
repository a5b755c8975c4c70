"""The circuit breaker: closed, open after N failures, one trial call after the cool-down."""

from __future__ import annotations

import pytest

from service.executors.circuit_breaker import CircuitBreaker, CircuitState
from tests.service.executors.executor_fakes import FakeClock


def open_breaker(clock: FakeClock, threshold: int = 3) -> CircuitBreaker:
    breaker = CircuitBreaker(failure_threshold=threshold, reset_timeout_seconds=10.0, clock=clock)
    for _ in range(threshold):
        assert breaker.try_acquire()
        breaker.record_failure()
    return breaker


def test_stays_closed_below_the_threshold_and_a_success_resets_the_count(
    clock: FakeClock,
) -> None:
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout_seconds=10.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()

    assert breaker.state is CircuitState.CLOSED
    assert breaker.consecutive_failures == 2
    assert breaker.try_acquire()


def test_opens_at_the_threshold_and_refuses_calls(clock: FakeClock) -> None:
    breaker = open_breaker(clock)

    assert breaker.state is CircuitState.OPEN
    assert not breaker.try_acquire()
    assert breaker.seconds_until_trial() == 10.0


def test_half_opens_after_the_cool_down_and_lets_exactly_one_trial_through(
    clock: FakeClock,
) -> None:
    breaker = open_breaker(clock)
    clock.now += 9.99
    assert not breaker.try_acquire()

    clock.now += 0.01

    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.try_acquire()
    assert not breaker.try_acquire()  # a second caller waits for the trial's verdict


def test_successful_trial_closes(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.now += 10.0
    assert breaker.try_acquire()

    breaker.record_success()

    assert breaker.state is CircuitState.CLOSED
    assert breaker.consecutive_failures == 0
    assert breaker.try_acquire()


def test_failed_trial_reopens_for_a_fresh_cool_down(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.now += 10.0
    assert breaker.try_acquire()

    breaker.record_failure()

    assert breaker.state is CircuitState.OPEN
    assert breaker.seconds_until_trial() == 10.0
    clock.now += 10.0
    assert breaker.try_acquire()


@pytest.mark.parametrize(
    ("threshold", "reset", "problem"),
    [(0, 1.0, "failure_threshold"), (1, 0.0, "reset_timeout_seconds")],
)
def test_rejects_nonsense_settings(threshold: int, reset: float, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        CircuitBreaker(failure_threshold=threshold, reset_timeout_seconds=reset)
