"""Test doubles shared by the executor tests: a hand-moved clock and a scripted chat server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from service.executors.base import ExecutionRequest, ExecutorError
from service.executors.circuit_breaker import CircuitState
from service.executors.llm_http import LlmHttpExecutor

API_KEY = "sk-test-0123456789abcdef"
Reply = Callable[[], Awaitable[web.Response]]
MakeExecutor = Callable[..., LlmHttpExecutor]


class FakeClock:
    """A monotonic clock the test moves by hand, so breaker cool-downs need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def completion(content: str = "Hello back", **extra: Any) -> Reply:
    """Reply with a well-formed chat completion."""
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "upstream-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
        **extra,
    }

    async def reply() -> web.Response:
        return web.json_response(body)

    return reply


def status(code: int) -> Reply:
    """Reply with an error status and an OpenAI-style error body."""

    async def reply() -> web.Response:
        return web.json_response({"error": {"message": "nope"}}, status=code)

    return reply


def raw_body(text: str) -> Reply:
    """Reply 200 with exactly this body, claimed to be JSON."""

    async def reply() -> web.Response:
        return web.Response(text=text, content_type="application/json")

    return reply


@dataclass
class ChatUpstream:
    """A scripted chat endpoint: request N gets script[N] (the last entry repeats)."""

    script: list[Reply] = field(default_factory=lambda: [completion()])
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    base_url: str = ""

    def slow(self) -> Reply:
        """Reply when the test ends, or after 2 s (so the client's timeout fires first)."""

        async def reply() -> web.Response:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), timeout=2.0)
            return await completion()()

        return reply

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.json()))
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        return await step()


def breaker_state(executor: LlmHttpExecutor) -> CircuitState:
    """Return the executor's breaker state."""
    # A call, so mypy does not narrow the state across the awaits in between.
    return executor.breaker.state


def chat_request(content: str = "Hi there", **payload: Any) -> ExecutionRequest:
    """Return an allowed chat request with one user message."""
    return ExecutionRequest(
        trace_id="tr_" + "0" * 32,
        action="chat",
        context_id="default",
        payload={"messages": [{"role": "user", "content": content}], **payload},
    )


async def failure_of(executor: LlmHttpExecutor, request: ExecutionRequest) -> ExecutorError:
    """Return the ExecutorError the call raises (failing the test if it succeeds)."""
    with pytest.raises(ExecutorError) as caught:
        await executor.execute(request)
    return caught.value
