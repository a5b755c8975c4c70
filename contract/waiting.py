"""Bounded polling with progress lines, for steps that wait on the live stack."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from contract.progress import Progress

T = TypeVar("T")
PROGRESS_EVERY_SECONDS = 3.0


@dataclass(frozen=True)
class Poll(Generic[T]):
    """One look at the stack: whether the wait is over, what was seen, and the value."""

    done: bool
    seen: str
    value: T


@dataclass(frozen=True)
class Waited(Generic[T]):
    """How a wait ended: the last poll and the seconds it took."""

    last: Poll[T]
    seconds: float

    @property
    def done(self) -> bool:
        return self.last.done


def wait_for(
    look: Callable[[], Poll[T]],
    *,
    timeout: float,
    progress: Progress,
    component: str,
    what: str,
    interval: float = 0.5,
) -> Waited[T]:
    """Poll look() until it reports done or timeout passes; report progress as it goes."""
    started = time.monotonic()
    next_report = started + PROGRESS_EVERY_SECONDS
    while True:
        poll = look()
        now = time.monotonic()
        if poll.done or now - started >= timeout:
            return Waited(poll, now - started)
        if now >= next_report:
            progress.say(component, f"{what} ({now - started:.0f}s): {poll.seen}")
            next_report = now + PROGRESS_EVERY_SECONDS
        time.sleep(interval)
