"""Requests without a valid credential: a budget per client address, a bounded audit trail."""

from __future__ import annotations

from typing import Any

import pytest

from service.audit import writer as writer_module
from service.gates.client_address import ClientAddresses

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
WRONG = "key_0123456789abcdef." + "A" * 43


async def test_unauthenticated_requests_get_429_past_the_address_budget(
    make_service: Any, expect_error: Any
) -> None:
    service = await make_service(unauthenticated_per_minute=3)
    key = await service.issue_key("viewer")
    assert (await service.process(key, ECHO)).status == 200  # a known key, cached
    statuses = [(await service.process(k, ECHO)).status for k in (None, WRONG, None, WRONG)]
    assert statuses == [401, 401, 401, 429]
    limited = await expect_error(await service.process(None, ECHO), 429, "RATE_LIMITED")
    assert "per minute" in limited["message"]
    # The flood spends the address's anonymous budget, not a real caller's: a key
    # used before, and one never used (its id exists), both still pass.
    assert (await service.process(key, ECHO)).status == 200
    fresh = await service.issue_key("viewer")
    assert (await service.process(fresh, ECHO)).status == 200
    # A made-up id is refused before any lookup of it.
    await expect_error(await service.process(WRONG, ECHO), 429, "RATE_LIMITED")


async def test_a_flood_writes_one_full_record_per_reason_then_a_count(
    make_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = 0
    real_write_all = writer_module.write_all

    def counting(fd: int, data: bytes) -> None:
        nonlocal writes
        writes += 1
        real_write_all(fd, data)

    monkeypatch.setattr(writer_module, "write_all", counting)
    service = await make_service(unauthenticated_per_minute=5, audit_durability="fsync")
    for n in range(60):
        await service.process(None if n % 2 else WRONG, ECHO)
    assert writes <= 3, "a refused anonymous request must not cost an fsync each"
    await service.client.close()  # shutdown summarises the open windows
    events = service.audit_events()
    starts = [e for e in events if e["event"] == "REQUEST_START"]
    summaries = {e["reason"]: e for e in events if e["event"] == "DENIALS_SUMMARISED"}
    # Full records: the first refusal per reason (missing, invalid key, rate limited).
    assert len(starts) == 3
    assert {r: s["count"] for r, s in summaries.items()} == {
        "AUTHENTICATION_MISSING": 1,
        "AUTHENTICATION_INVALID_KEY": 2,
        "RATE_LIMITED": 54,
    }
    assert {s["client"] for s in summaries.values()} == {"127.0.0.1"}
    assert len(events) == 3 * 3 + 3


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy() -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.9, 10.0.0.5"}
    assert ClientAddresses().of("10.0.0.7", forwarded) == "10.0.0.7"
    behind = ClientAddresses(("10.0.0.0/8",))
    assert behind.of("10.0.0.7", forwarded) == "203.0.113.9"
    assert behind.of("198.51.100.1", forwarded) == "198.51.100.1", "an untrusted peer's claim"
    assert behind.of("10.0.0.7", {}) == "10.0.0.7"
    # A client can prepend anything; only what our proxies appended is believed.
    spoofed = {"X-Forwarded-For": "1.2.3.4, 203.0.113.9"}
    assert behind.of("10.0.0.7", spoofed) == "203.0.113.9"
    assert behind.of("10.0.0.7", {"X-Forwarded-For": "junk, 10.0.0.5"}) == "10.0.0.5"
    assert behind.of(None, forwarded) == "unknown"
