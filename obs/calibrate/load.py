"""A bounded, paced, open-loop load on loopback: requests start on a fixed schedule.

Open loop, so a slow server shows as latency and missed starts rather than as a politely
lower offered rate (a closed loop hides saturation). In-flight requests are capped: a
start that finds the cap reached is counted as missed, not queued, so the generator
never builds an unbounded backlog against a saturated server.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

MAX_RATE = 20_000.0
MAX_SECONDS = 120.0
MAX_IN_FLIGHT = 256
REQUEST_TIMEOUT_SECONDS = 10.0


class LoadRefused(ValueError):
    """A load this tool will not send (not loopback, or past its bounds)."""


def require_loopback(url: str) -> None:
    """Refuse any target but this machine: calibration saturates what it points at."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoadRefused(f"{url}: calibration only loads a backend on loopback (127.0.0.1, ::1)")


@dataclass
class StepLoad:
    """What one step sent and what came back."""

    offered_rate: float
    seconds: float
    started: int = 0
    missed: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def throughput(self) -> float:
        return self.answered / self.elapsed if self.elapsed > 0 else 0.0


def paced_load(
    url: str, body: bytes, headers: Mapping[str, str], *, rate: float, seconds: float
) -> StepLoad:
    """Start `rate` requests a second for `seconds`, then wait for the last answers."""
    require_loopback(url)
    if not 0 < rate <= MAX_RATE or not 0 < seconds <= MAX_SECONDS:
        raise LoadRefused(
            f"a step of {rate:g} req/s for {seconds:g}s is outside the bounds "
            f"(0-{MAX_RATE:g} req/s, 0-{MAX_SECONDS:g}s)"
        )
    return asyncio.run(_drive(url, body, dict(headers), rate, seconds))


async def _drive(
    url: str, body: bytes, headers: dict[str, str], rate: float, seconds: float
) -> StepLoad:
    step = StepLoad(rate, seconds)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
    in_flight: set[asyncio.Task[None]] = set()
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def one() -> None:
            try:
                async with session.post(url, data=body, headers=headers) as answer:
                    await answer.read()
                    step.statuses[str(answer.status)] += 1
            except (TimeoutError, aiohttp.ClientError) as exc:
                step.statuses[type(exc).__name__] += 1

        began = time.monotonic()
        total = int(rate * seconds)
        for index in range(total):
            due = began + index / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(in_flight) >= MAX_IN_FLIGHT:
                step.missed += 1
                continue
            task = asyncio.create_task(one())
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            step.started += 1
        if in_flight:
            await asyncio.wait(in_flight)
        step.elapsed = time.monotonic() - began
    return step
