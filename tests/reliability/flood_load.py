"""Bounded loopback load for the flood and disk-full tests: fixed counts, a deadline, statuses."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

CLIENT_TIMEOUT = aiohttp.ClientTimeout(total=10)
JSON = {"Content-Type": "application/json"}
WRONG_KEY = "key_0123456789abcdef." + "A" * 43
# One client group: headers, body, how many requests, how many concurrent clients.
Group = tuple[dict[str, str], str, int, int]


@dataclass
class Answers:
    """Statuses and reason codes of one client group, and the server ids of its 200s."""

    statuses: Counter[int] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    ok_ids: list[str] = field(default_factory=list)
    errors: int = 0


async def _worker(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    body: str,
    todo: list[int],
    deadline: float,
    answers: Answers,
) -> None:
    while todo and time.monotonic() < deadline:
        todo.pop()
        try:
            async with session.post(url, data=body, headers=headers) as response:
                payload = await response.json(content_type=None)
                answers.statuses[response.status] += 1
                if response.status == 200:
                    answers.ok_ids.append(response.headers["X-Request-Id"])
                else:
                    answers.reasons[payload["reason_codes"][0]] += 1
        except (aiohttp.ClientError, TimeoutError, ValueError):
            answers.errors += 1


async def _drive(url: str, groups: list[Group], seconds: float) -> list[Answers]:
    deadline = time.monotonic() + seconds
    results = [Answers() for _ in groups]
    async with aiohttp.ClientSession(timeout=CLIENT_TIMEOUT) as session:
        tasks = []
        for (headers, body, count, clients), answers in zip(groups, results, strict=True):
            todo = list(range(count))
            tasks += [
                _worker(session, url, {**JSON, **headers}, body, todo, deadline, answers)
                for _ in range(clients)
            ]
        await asyncio.gather(*tasks)
    return results


def send(url: str, groups: list[Group], *, seconds: float) -> list[Answers]:
    """Send each group's (headers, body, count, clients) at once; stop all at `seconds`."""
    return asyncio.run(_drive(url, groups, seconds))


@contextlib.contextmanager
def fsync_count(pid: int, out: Path) -> Iterator[list[int]]:
    """Count the fsync and fdatasync calls of every thread of `pid` while the block runs."""
    tracer = subprocess.Popen(
        ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", str(out), "-p", str(pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    counted: list[int] = []
    try:
        time.sleep(0.5)  # attached to every thread before the load starts
        yield counted
    finally:
        tracer.send_signal(signal.SIGINT)  # detach: the server runs on, the summary is written
        tracer.wait(timeout=30)
    counted.append(_calls(out.read_text()))


def _calls(summary: str) -> int:
    """Return the total calls of strace -c's summary table (0 when none were made)."""
    total = 0
    for line in summary.splitlines():
        # % time, seconds, usecs/call, calls, [errors,] syscall
        parts = line.split()
        if len(parts) >= 5 and parts[-1] in ("fsync", "fdatasync"):
            total += int(parts[3])
    return total
