"""Wall-clock bounds, kept out of the unit tests: on a loaded CI machine they are the flaky kind.

Each unit test proves the behaviour (a timeout fires, a refusal is 503); these
prove how soon, with margins, in the reliability run (`nox -s reliability`).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from service.pipeline.deadline import await_within
from tests.service.conftest import catalog, expect_error, make_service, make_settings
from tests.service.executors.conftest import clock, make_executor, upstream
from tests.service.executors.executor_fakes import ChatUpstream, MakeExecutor, chat_request
from tests.service.executors.executor_fakes import failure_of as executor_failure
from tests.service.gates.test_gate_rate_limit_redis import (
    ECHO,
    StartReplicas,
    redis_server,
    start_replicas,
)
from tests.service.redis_server import RedisServer

# Fixtures from the unit suites, used here as they are.
__all__ = [
    "catalog",
    "clock",
    "expect_error",
    "make_executor",
    "make_service",
    "make_settings",
    "redis_server",
    "start_replicas",
    "upstream",
]


@pytest.mark.reliability
async def test_a_hanging_coroutine_is_given_up_at_its_deadline() -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TimeoutError):
        await await_within(asyncio.sleep(10), 0.05)
    assert loop.time() - started < 1.0


@pytest.mark.reliability
async def test_time_spent_before_the_first_wait_counts_against_the_deadline() -> None:
    async def slow_then_wait() -> None:
        busy_until = asyncio.get_running_loop().time() + 0.2
        while asyncio.get_running_loop().time() < busy_until:
            pass  # CPU work no timer could interrupt
        await asyncio.sleep(1.0)

    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TimeoutError):
        await await_within(slow_then_wait(), 0.25)
    # About 0.25 s in all; a timer started at the first wait would make it 0.45 s.
    assert loop.time() - started < 0.4


@pytest.mark.reliability
async def test_a_slow_upstream_costs_one_timeout_per_attempt(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    upstream.script = [upstream.slow()]
    executor = make_executor(llm_timeout_seconds=0.3, llm_max_retries=1)
    started = time.monotonic()
    error = await executor_failure(executor, chat_request())
    assert error.outcome == "timeout"
    assert time.monotonic() - started < 1.0  # two attempts of 0.3 s, and tiny backoffs


@pytest.mark.reliability
async def test_an_unreachable_redis_refuses_within_two_seconds(
    start_replicas: StartReplicas, redis_server: RedisServer
) -> None:
    replicas = await start_replicas(100)
    assert (await replicas.first.process(replicas.key, ECHO)).status == 200
    redis_server.stop()
    for _ in range(3):
        started = time.monotonic()
        refused = await replicas.first.process(replicas.key, ECHO)
        assert refused.status == 503
        assert time.monotonic() - started < 2.0, "an unreachable Redis must not hang requests"
