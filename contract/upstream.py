"""The chat executor's upstream: a real OpenAI-compatible endpoint the harness runs.

The fire drill makes the backend's chat action fail or slow down through it. Each request
says how it wants to be served in its last message, so a failing and a healthy chat call
can share the one upstream the backend is configured with:

- `drill:fail` -> HTTP 500 with an OpenAI-style error body (the executor retries, then its
  circuit breaker opens: /process answers 502/503);
- `drill:slow` -> a normal completion after SLOW_SECONDS (/process answers 200, slowly);
- anything else -> a normal completion at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from aiohttp import web

from contract.harness_server import HarnessServer
from contract.progress import Progress
from contract.runtime.base import Launch
from contract.spec import Endpoint
from obs.catalog.drill import SLOW_UPSTREAM_SECONDS

FAIL = "drill:fail"
SLOW = "drill:slow"
# Above the latency thresholds (`obs calibrate` refuses one it does not clear), below
# every executor timeout.
SLOW_SECONDS = SLOW_UPSTREAM_SECONDS


def completion(content: str) -> dict[str, Any]:
    """Return a chat-completions answer the llm_http executor accepts."""
    return {
        "id": "chatcmpl-contract",
        "object": "chat.completion",
        "model": "contract-upstream",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


def _last_message(body: Any) -> str:
    try:
        return str(body["messages"][-1]["content"])
    except (KeyError, IndexError, TypeError):
        return ""


class ChatUpstream(HarnessServer):
    """Answer POST /v1/chat/completions as the request's last message asks."""

    def __init__(self, launch: Launch, progress: Progress, listen: Endpoint, public: Endpoint):
        super().__init__(launch, progress, listen, public)
        self.served: Counter[str] = Counter()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._complete)

    async def _complete(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": {"message": "body is not JSON"}}, status=400)
        wanted = _last_message(body)
        with self._lock:
            self.served[wanted if wanted in (FAIL, SLOW) else "ok"] += 1
        if wanted == FAIL:
            return web.json_response(
                {"error": {"message": "upstream failure (fire drill)", "type": "server_error"}},
                status=500,
            )
        if wanted == SLOW:
            await asyncio.sleep(SLOW_SECONDS)
        return web.json_response(completion("ok"))

    def logs(self) -> str:
        with self._lock:
            counts = ", ".join(f"{k}={v}" for k, v in sorted(self.served.items()))
        return super().logs() + (f"served: {counts}\n" if counts else "")
