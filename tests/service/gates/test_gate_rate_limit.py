"""G2: per-key token buckets, 429 RATE_LIMITED with Retry-After."""

from __future__ import annotations

from typing import Any

from service.gates.rate_limit import RateLimitGate

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}


async def test_burst_over_the_limit_is_429_with_retry_after(
    make_service: Any, expect_error: Any
) -> None:
    service = await make_service(rate_limit_per_minute=3)
    key, other = await service.issue_key(), await service.issue_key()
    for _ in range(3):
        assert (await service.process(key, ECHO)).status == 200
    response = await service.process(key, ECHO)
    await expect_error(response, 429, "RATE_LIMITED")
    # 3 per minute refill one token every 20 s.
    assert response.headers["Retry-After"] == "20"
    assert (await service.process(other, ECHO)).status == 200, "buckets are per key"
    assert (
        service.metric(
            "techno_gate_decisions_total", gate="rate_limit", decision="DENY", reason="RATE_LIMITED"
        )
        == 1
    )


def test_bucket_refills_evenly_over_a_minute() -> None:
    now = [0.0]
    gate = RateLimitGate(60, clock=lambda: now[0])
    for _ in range(60):
        assert gate.check("key_a") is None
    denied = gate.check("key_a")
    assert denied is not None and denied.retry_after_seconds == 1
    now[0] += 1.0
    assert gate.check("key_a") is None
    assert gate.check("key_a") is not None


def test_idle_bucket_never_exceeds_its_capacity() -> None:
    now = [0.0]
    gate = RateLimitGate(2, clock=lambda: now[0])
    now[0] += 3600.0
    assert gate.check("key_a") is None
    assert gate.check("key_a") is None
    assert gate.check("key_a") is not None
