"""The chat executor's circuit breaker, driven through a real local chat server."""

from __future__ import annotations

import asyncio

import pytest

from service.executors.circuit_breaker import CircuitState
from tests.service.executors.executor_fakes import (
    ChatUpstream,
    FakeClock,
    MakeExecutor,
    breaker_state,
    chat_request,
    completion,
    failure_of,
    status,
)


async def test_breaker_opens_after_threshold_and_half_opens_after_cool_down(
    upstream: ChatUpstream, make_executor: MakeExecutor, clock: FakeClock
) -> None:
    upstream.script = [status(503), status(503), completion("recovered")]
    executor = make_executor(
        llm_max_retries=0, breaker_failure_threshold=2, breaker_reset_seconds=30.0
    )
    for _ in range(2):
        assert (await failure_of(executor, chat_request())).outcome == "error"

    refused = await failure_of(executor, chat_request())
    assert refused.outcome == "circuit_open"
    assert "30.0s" in refused.message
    assert len(upstream.requests) == 2  # the open breaker did not call the server

    clock.now += 29.9
    assert (await failure_of(executor, chat_request())).outcome == "circuit_open"

    clock.now += 0.1
    assert breaker_state(executor) is CircuitState.HALF_OPEN
    assert (await executor.execute(chat_request()))["content"] == "recovered"
    assert breaker_state(executor) is CircuitState.CLOSED
    assert len(upstream.requests) == 3


async def test_failed_trial_call_reopens_the_breaker(
    upstream: ChatUpstream, make_executor: MakeExecutor, clock: FakeClock
) -> None:
    upstream.script = [status(500)]
    executor = make_executor(llm_max_retries=0, breaker_failure_threshold=1)
    await failure_of(executor, chat_request())
    clock.now += 30.0

    trial = await failure_of(executor, chat_request())

    assert trial.outcome == "error"
    assert breaker_state(executor) is CircuitState.OPEN
    assert (await failure_of(executor, chat_request())).outcome == "circuit_open"
    assert len(upstream.requests) == 2


async def test_caller_cancelling_a_slow_call_counts_against_the_breaker(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    upstream.script = [upstream.slow()]
    executor = make_executor(llm_timeout_seconds=5.0, breaker_failure_threshold=1)

    with pytest.raises(TimeoutError):
        # The pipeline's own executor timeout, shorter than the executor's.
        await asyncio.wait_for(executor.execute(chat_request()), timeout=0.05)

    assert breaker_state(executor) is CircuitState.OPEN
