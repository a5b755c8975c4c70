"""Rate limiting under concurrency: one key gets exactly its budget; other keys are unaffected."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from tests.reliability.reliability_backend import Backend
from tests.reliability.reliability_record import RunRecord, SecretRegistry, pick

LIMIT_PER_MINUTE = 100  # the service's documented default, set explicitly
REFILL_WAIT_SECONDS = 3.0


@dataclass
class Burst:
    """What a burst of concurrent clients got back, and when (monotonic seconds)."""

    statuses: Counter[int] = field(default_factory=Counter)
    retry_after: set[str] = field(default_factory=set)
    reasons: set[str] = field(default_factory=set)
    first_sent: float = math.inf
    last_answered: float = 0.0

    @property
    def allowed(self) -> int:
        return self.statuses[200]


async def _client(url: str, key: str, body: str, requests: int, burst: Burst) -> None:
    # Each client has its own session, so its own connection, like separate callers.
    async with aiohttp.ClientSession() as session:
        for _ in range(requests):
            burst.first_sent = min(burst.first_sent, time.monotonic())
            async with session.post(
                url, data=body, headers={"X-API-KEY": key, "Content-Type": "application/json"}
            ) as answer:
                payload = await answer.json()
                burst.statuses[answer.status] += 1
                if answer.status == 429:
                    burst.retry_after.add(answer.headers.get("Retry-After", ""))
                    burst.reasons.update(payload["reason_codes"])
            burst.last_answered = max(burst.last_answered, time.monotonic())


async def _burst(url: str, key: str, body: str, clients: int, each: int) -> Burst:
    burst = Burst()
    await asyncio.gather(*(_client(url, key, body, each, burst) for _ in range(clients)))
    return burst


async def _scenario(
    url: str, hammered: str, bystander: str, body: str, clients: int, each: int
) -> tuple[Burst, Burst, Burst]:
    first, other = await asyncio.gather(
        _burst(url, hammered, body, clients, each), _burst(url, bystander, body, 4, 10)
    )
    await asyncio.sleep(REFILL_WAIT_SECONDS)
    second = await _burst(url, hammered, body, clients, each)
    return first, other, second


@pytest.mark.reliability
def test_concurrent_clients_on_one_key_get_exactly_the_budget(
    bounded: bool, run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    backend = Backend(test_folder, secret_registry, rate_limit_per_minute=LIMIT_PER_MINUTE)
    hammered = backend.issue_key("operator")
    bystander = backend.issue_key("operator")
    clients, each = pick(bounded, (20, 15), (50, 20))
    body = json.dumps(
        {
            "action": "echo",
            "context_id": "default",
            "payload": {"message": secret_registry.marker("rate")},
        }
    )
    with backend.running():
        first, other, second = asyncio.run(
            _scenario(backend.base_url + "/process", hammered, bystander, body, clients, each)
        )

    per_second = LIMIT_PER_MINUTE / 60
    # A full bucket plus whatever refilled while the burst lasted (0 when it took < 0.6 s).
    first_window = first.last_answered - first.first_sent
    first_max = LIMIT_PER_MINUTE + math.floor(first_window * per_second)
    # The second burst gets what refilled since the first one (plus < 1 leftover token).
    gap_min = second.first_sent - first.last_answered
    gap_max = second.last_answered - first.first_sent
    second_min = math.floor(gap_min * per_second)
    second_max = math.floor(1 + gap_max * per_second)
    run_record.record(
        "rate_limit",
        "tests/reliability/test_rate_limit_concurrency.py",
        limit_per_minute=LIMIT_PER_MINUTE,
        clients=clients,
        requests=clients * each,
        first_window_s=round(first_window, 3),
        first_allowed=first.allowed,
        first_allowed_bounds=[LIMIT_PER_MINUTE, first_max],
        refill_wait_s=round(gap_min, 3),
        second_allowed=second.allowed,
        second_allowed_bounds=[second_min, second_max],
        other_key_statuses=dict(other.statuses),
    )
    assert set(first.statuses) <= {200, 429} and set(second.statuses) <= {200, 429}
    assert LIMIT_PER_MINUTE <= first.allowed <= first_max, first.statuses
    assert second_min <= second.allowed <= second_max, second.statuses
    assert first.reasons == {"RATE_LIMITED"} and "" not in first.retry_after
    assert all(int(value) >= 1 for value in first.retry_after | second.retry_after)
    assert other.statuses == Counter({200: 40}), "another key was throttled by this key's burst"
