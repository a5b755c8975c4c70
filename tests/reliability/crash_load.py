"""Keep concurrent requests flowing into the backend and SIGKILL it in the middle."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field

import aiohttp

from tests.reliability.reliability_backend import kill_hard

CLIENT_TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass(frozen=True)
class Answer:
    """One answered request: its trace id, status and when the client had the answer."""

    trace_id: str
    status: int
    answered_at: float


@dataclass
class CrashRun:
    """Every answer the clients got, and when the kill was sent (monotonic seconds)."""

    answers: list[Answer] = field(default_factory=list)
    failures: int = 0
    killed_at: float = 0.0

    def ok_trace_ids(self, *, before: float | None = None) -> list[str]:
        """Return the trace ids answered 2xx (only those answered before `before` if given)."""
        return [
            a.trace_id
            for a in self.answers
            if 200 <= a.status < 300 and (before is None or a.answered_at <= before)
        ]


async def _client(
    session: aiohttp.ClientSession, url: str, key: str, body: str, run: CrashRun
) -> None:
    while True:
        trace_id = f"rel-{secrets.token_hex(12)}"
        headers = {"X-API-KEY": key, "Content-Type": "application/json", "X-Request-Id": trace_id}
        try:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                # The audit log names the request by the server's own id, not ours.
                own = response.headers.get("X-Request-Id", trace_id)
                run.answers.append(Answer(own, response.status, time.monotonic()))
        except (aiohttp.ClientError, TimeoutError):
            # The backend is gone: this client's in-flight request has no answer.
            run.failures += 1
            return


async def _drive(
    url: str, key: str, body: str, clients: int, pid: int, kill_after: float
) -> CrashRun:
    run = CrashRun()
    async with aiohttp.ClientSession(timeout=CLIENT_TIMEOUT) as session:
        workers = [
            asyncio.create_task(_client(session, url, key, body, run)) for _ in range(clients)
        ]
        await asyncio.sleep(kill_after)
        run.killed_at = time.monotonic()
        await asyncio.to_thread(kill_hard, pid)
        await asyncio.gather(*workers)
    return run


def load_then_kill(
    url: str, key: str, body: str, *, pid: int, clients: int, kill_after_s: float
) -> CrashRun:
    """Send requests from `clients` concurrent clients and SIGKILL `pid` after kill_after_s."""
    return asyncio.run(_drive(url, key, body, clients, pid, kill_after_s))
