"""await_within: the executor timeout, armed only for coroutines that wait."""

from __future__ import annotations

import asyncio

import pytest

from service.pipeline.deadline import await_within


async def test_a_coroutine_that_never_waits_returns_its_value() -> None:
    async def compute() -> int:
        return 42

    assert await await_within(compute(), 0.001) == 42


async def test_a_coroutine_that_waits_briefly_returns_its_value() -> None:
    async def fetch() -> str:
        await asyncio.sleep(0.01)
        await asyncio.sleep(0)
        return "done"

    assert await await_within(fetch(), 1.0) == "done"


async def test_a_coroutine_still_waiting_at_the_deadline_is_cancelled() -> None:
    cleaned_up: list[str] = []

    async def hang() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned_up.append("finally ran")

    with pytest.raises(TimeoutError):
        await await_within(hang(), 0.05)
    # How soon it gives up is a wall-clock figure: tests/reliability/test_wall_clock_bounds.py.
    assert cleaned_up == ["finally ran"]


async def test_errors_before_and_after_waiting_reach_the_caller() -> None:
    async def fail_at_once() -> None:
        raise ValueError("at once")

    async def fail_later() -> None:
        await asyncio.sleep(0)
        raise ValueError("later")

    with pytest.raises(ValueError, match="at once"):
        await await_within(fail_at_once(), 1.0)
    with pytest.raises(ValueError, match="later"):
        await await_within(fail_later(), 1.0)


async def test_cancelling_the_caller_cancels_the_waiting_coroutine() -> None:
    cancelled = asyncio.Event()

    async def hang() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = asyncio.create_task(await_within(hang(), 5.0))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()
