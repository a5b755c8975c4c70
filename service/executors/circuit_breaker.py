"""A consecutive-failure circuit breaker with an injectable clock."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class CircuitState(enum.Enum):
    """Where the breaker stands: letting calls through, refusing them, or trying one."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Open after N consecutive failures; after a cool-down, let exactly one trial call through.

    Callers ask `try_acquire()` before a call and report the call's fate with
    `record_success()` or `record_failure()`. Not thread-safe: meant for one
    asyncio event loop, where no other task runs between those synchronous calls.
    """

    def __init__(
        self,
        *,
        failure_threshold: int,
        reset_timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be >= 1, got {failure_threshold}")
        if reset_timeout_seconds <= 0:
            raise ValueError(f"reset_timeout_seconds must be > 0, got {reset_timeout_seconds}")
        self._failure_threshold = failure_threshold
        self._reset_timeout_seconds = reset_timeout_seconds
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._consecutive_failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    @property
    def state(self) -> CircuitState:
        """Return the current state, moving OPEN to HALF_OPEN once the cool-down has passed."""
        if (
            self._state is CircuitState.OPEN
            and self._clock() - self._opened_at >= self._reset_timeout_seconds
        ):
            self._state = CircuitState.HALF_OPEN
            self._trial_in_flight = False
        return self._state

    @property
    def consecutive_failures(self) -> int:
        """Return how many calls in a row have failed since the last success."""
        return self._consecutive_failures

    def seconds_until_trial(self) -> float:
        """Return how long until an open breaker lets a trial call through (0 if not open)."""
        if self.state is not CircuitState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self._reset_timeout_seconds - self._clock())

    def try_acquire(self) -> bool:
        """Return whether a call may proceed now; in HALF_OPEN only the first caller may."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        """Close the breaker and forget past failures."""
        self._state = CircuitState.CLOSED
        self._consecutive_failures = 0
        self._trial_in_flight = False

    def record_failure(self) -> None:
        """Count a failure; open the breaker at the threshold or when a trial call fails."""
        self._consecutive_failures += 1
        self._trial_in_flight = False
        if (
            self._state is CircuitState.HALF_OPEN
            or self._consecutive_failures >= self._failure_threshold
        ):
            self._state = CircuitState.OPEN
            self._opened_at = self._clock()
