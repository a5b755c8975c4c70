"""An open-loop, rate-paced HTTP load generator (wrk2-style), run as its own process.

Request i is due at start + i / rate whatever happened to the earlier ones, and its
latency is measured from that due time, so a stalled server shows up as latency
instead of silently slowing the generator down (no coordinated omission).

Usage: python paced_load.py --url URL --rate N --duration S --out FILE
The API key and the body come from the environment (PACED_API_KEY, PACED_BODY) so the
secret is never in argv.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp

REQUEST_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class PacedResult:
    """What the generator saw: answers by status, failures by kind, latency from due time."""

    target_rate: float
    duration_s: float
    sent: int
    statuses: dict[str, int]
    errors: dict[str, int]
    p50_ms: float
    p99_ms: float
    max_ms: float
    achieved_rate: float
    max_lag_ms: float

    @property
    def server_errors(self) -> int:
        """Return the number of 5xx answers."""
        return sum(n for status, n in self.statuses.items() if status.startswith("5"))

    @classmethod
    def read(cls, path: Path) -> PacedResult:
        """Load a result file the generator wrote."""
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def run_paced(
    url: str,
    *,
    rate: float,
    duration_s: float,
    connections: int,
    headers: dict[str, str],
    body: str,
) -> PacedResult:
    """Send rate x duration requests on schedule and return what came back."""
    loop = asyncio.get_running_loop()
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    total = int(rate * duration_s)
    interval = 1.0 / rate
    max_lag = 0.0

    async def one(session: aiohttp.ClientSession, due: float) -> None:
        try:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                statuses[str(response.status)] += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors[type(exc).__name__] += 1
        latencies.append(loop.time() - due)

    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = loop.time() + 0.05
        pending: set[asyncio.Task[None]] = set()
        for index in range(total):
            due = started + index * interval
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                max_lag = max(max_lag, -delay)
            task = asyncio.create_task(one(session, due))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        elapsed = loop.time() - started
    ordered = sorted(latencies)
    return PacedResult(
        target_rate=rate,
        duration_s=round(elapsed, 3),
        sent=total,
        statuses=dict(statuses),
        errors=dict(errors),
        p50_ms=round(statistics.median(ordered) * 1000, 3) if ordered else 0.0,
        p99_ms=round(percentile(ordered, 0.99) * 1000, 3),
        max_ms=round(ordered[-1] * 1000, 3) if ordered else 0.0,
        achieved_rate=round(sum(statuses.values()) / elapsed, 1) if elapsed > 0 else 0.0,
        max_lag_ms=round(max_lag * 1000, 3),
    )


def main() -> None:
    """Parse the command line, run the load and write the result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, required=True, help="seconds")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    headers = {"Content-Type": "application/json", "X-API-KEY": os.environ["PACED_API_KEY"]}
    began = time.monotonic()
    result = asyncio.run(
        run_paced(
            args.url,
            rate=args.rate,
            duration_s=args.duration,
            connections=args.connections,
            headers=headers,
            body=os.environ["PACED_BODY"],
        )
    )
    document: dict[str, Any] = asdict(result)
    args.out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"paced load done in {time.monotonic() - began:.1f}s: {document['statuses']}")


if __name__ == "__main__":
    main()
