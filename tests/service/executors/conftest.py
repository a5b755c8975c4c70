"""Fixtures shared by the executor tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from service.executors.config import ExecutorConfig
from service.executors.llm_http import LlmHttpExecutor
from tests.service.executors.executor_fakes import API_KEY, ChatUpstream, FakeClock, MakeExecutor


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def upstream(aiohttp_server: AiohttpServer) -> AsyncIterator[ChatUpstream]:
    chat = ChatUpstream()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat.handle)
    server = await aiohttp_server(app)
    chat.base_url = str(server.make_url("/"))
    yield chat
    chat.release.set()


@pytest.fixture
async def make_executor(upstream: ChatUpstream, clock: FakeClock) -> AsyncIterator[MakeExecutor]:
    made: list[LlmHttpExecutor] = []
    base = ExecutorConfig(
        llm_url=upstream.base_url,
        llm_api_key=API_KEY,
        llm_model="test-model",
        llm_timeout_seconds=0.5,
        llm_max_retries=2,
        llm_backoff_base_seconds=0.001,
        llm_backoff_max_seconds=0.002,
        breaker_failure_threshold=3,
        breaker_reset_seconds=30.0,
    )

    def make(**overrides: Any) -> LlmHttpExecutor:
        executor = LlmHttpExecutor(replace(base, **overrides), clock=clock)
        made.append(executor)
        return executor

    yield make
    for executor in made:
        await executor.close()
