"""G2 shared through a real Redis: replicas share one budget per key and fail closed without it."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.gates.rate_limit_redis import KEY_PREFIX
from tests.service.conftest import ExpectError, MakeService, ServiceHarness
from tests.service.http.test_openapi import Conformance, fetch_document
from tests.service.redis_server import RedisServer, running_redis

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """Return a running redis-server with a password; killed at teardown."""
    workdir = tmp_path / "redis"
    workdir.mkdir()
    with running_redis(workdir) as server:
        yield server


@dataclass
class Replicas:
    """Two apps on one key database and one Redis, and a key issued for them."""

    first: ServiceHarness
    second: ServiceHarness
    key: str


StartReplicas = Callable[[int], Awaitable[Replicas]]


@pytest.fixture
def start_replicas(
    make_service: MakeService, redis_server: RedisServer, tmp_path: Path
) -> StartReplicas:
    """Return a starter of two replicas sharing `per_minute` per key, each with its own audit."""

    async def start(per_minute: int) -> Replicas:
        shared: dict[str, Any] = {
            "rate_limit_per_minute": per_minute,
            "rate_limit_redis_url": redis_server.url,
            "db_path": tmp_path / "keys.db",
        }
        first = await make_service(audit_path=tmp_path / "audit-a.jsonl", **shared)
        second = await make_service(audit_path=tmp_path / "audit-b.jsonl", **shared)
        return Replicas(first, second, await first.issue_key())

    return start


async def test_two_replicas_share_one_budget_per_key(
    start_replicas: StartReplicas, expect_error: ExpectError
) -> None:
    replicas = await start_replicas(4)
    first, second, key = replicas.first, replicas.second, replicas.key
    other = await first.issue_key()
    statuses = [(await app.process(key, ECHO)).status for app in (first, second) * 2]
    assert statuses == [200, 200, 200, 200]
    for app in (first, second):
        refused = await app.process(key, ECHO)
        await expect_error(refused, 429, "RATE_LIMITED")
        # 4 a minute bring one token back every 15 s, whichever replica asks.
        assert refused.headers["Retry-After"] == "15"
    assert (await second.process(other, ECHO)).status == 200, "buckets are per key"
    denials = [
        app.metric(
            "techno_gate_decisions_total", gate="rate_limit", decision="DENY", reason="RATE_LIMITED"
        )
        for app in (first, second)
    ]
    assert denials == [1, 1]


async def test_buckets_are_keyed_by_key_id_and_expire_when_idle(
    start_replicas: StartReplicas, redis_server: RedisServer
) -> None:
    replicas = await start_replicas(60)
    key = replicas.key
    assert (await replicas.first.process(key, ECHO)).status == 200
    with redis_server.client() as inspect:
        stored = [name.decode() for name in inspect.keys("*")]
        assert len(stored) == 1 and stored[0].startswith(KEY_PREFIX + "key_"), stored
        # Idle for a full minute, a bucket is full again: Redis may forget it then.
        assert 55_000 < inspect.pttl(stored[0]) <= 60_000
    assert key.split(".")[1] not in stored[0], "the bucket names the key id, never the secret"


async def spend(replicas: Replicas, limit: int) -> int:
    """Send alternately to both replicas until the first refusal; return how many passed."""
    for allowed in range(limit):
        replica = (replicas.first, replicas.second)[allowed % 2]
        if (await replica.process(replicas.key, ECHO)).status != 200:
            return allowed
    raise AssertionError(f"{limit} requests passed: the limit is not enforced")


async def test_an_empty_bucket_refills_by_elapsed_time(start_replicas: StartReplicas) -> None:
    replicas = await start_replicas(60)
    started = time.monotonic()
    allowed = await spend(replicas, 200)
    # A burst of exactly 60, plus one token per whole second the burst took (Redis
    # measures less time than we do: the bound holds however slow this machine is).
    assert 60 <= allowed <= 60 + math.floor(time.monotonic() - started)
    emptied = time.monotonic()
    await asyncio.sleep(1.0)
    back = await spend(replicas, 200)
    assert 1 <= back <= math.floor(time.monotonic() - emptied), "one token a second comes back"


async def test_the_script_is_loaded_again_after_redis_forgets_it(
    start_replicas: StartReplicas, redis_server: RedisServer
) -> None:
    replicas = await start_replicas(10)
    assert (await replicas.first.process(replicas.key, ECHO)).status == 200
    with redis_server.client() as admin:
        admin.script_flush()
    assert (await replicas.first.process(replicas.key, ECHO)).status == 200


async def test_redis_down_fails_closed_with_503_and_recovers_when_it_returns(
    start_replicas: StartReplicas,
    redis_server: RedisServer,
    expect_error: ExpectError,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    replicas = await start_replicas(100)
    first, second, key = replicas.first, replicas.second, replicas.key
    assert (await first.process(key, ECHO)).status == 200
    assert (await first.client.get("/ready")).status == 200

    redis_server.stop()
    for _ in range(3):
        # How fast it refuses is timed in tests/reliability/test_wall_clock_bounds.py.
        refused = await first.process(key, ECHO)
        body = await expect_error(refused, 503, "RATE_LIMIT_UNAVAILABLE")
        assert "rate limit store is unavailable" in body["message"]
        assert refused.headers["Retry-After"] == "1"
    await expect_error(await second.client.get("/ready"), 503, "RATE_LIMIT_UNAVAILABLE")
    outage_lines = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(outage_lines) == 1, "one log line per outage, not one per request"
    assert f"redis://***@127.0.0.1:{redis_server.port}/0" in outage_lines[0].getMessage()

    redis_server.start()
    assert (await first.process(key, ECHO)).status == 200
    assert (await second.process(key, ECHO)).status == 200
    assert (await first.client.get("/ready")).status == 200
    assert any("answers again" in r.getMessage() for r in caplog.records)
    assert redis_server.password not in caplog.text
    # No decision was made while Redis was away: the audit says why the request ended.
    ends = [e for e in first.audit_events() if e["event"] == "REQUEST_END" and e["status"] == 503]
    assert [e["reason_codes"] for e in ends] == [["RATE_LIMIT_UNAVAILABLE"]] * 3


async def test_an_unreachable_redis_answers_as_documented(
    start_replicas: StartReplicas, redis_server: RedisServer
) -> None:
    replicas = await start_replicas(100)
    app, key = replicas.first, replicas.key
    admin = await app.issue_key("admin")
    conformance = Conformance(await fetch_document(app), proven_elsewhere=set())
    redis_server.stop()
    client = app.client
    await conformance.check("/process", "post", await app.process(key, ECHO))
    await conformance.check("/ready", "get", await client.get("/ready"))
    await conformance.check(
        "/sessions", "post", await client.post("/sessions", headers={"X-API-KEY": key})
    )
    await conformance.check(
        "/admin/keys", "get", await client.get("/admin/keys", headers={"X-API-KEY": admin})
    )
    for path, method in (
        ("/process", "post"),
        ("/ready", "get"),
        ("/sessions", "post"),
        ("/admin/keys", "get"),
    ):
        assert ("503", "RATE_LIMIT_UNAVAILABLE") not in conformance.unexercised(path, method)


async def test_a_wrong_redis_password_is_refused_with_503_and_never_logged(
    make_service: MakeService,
    redis_server: RedisServer,
    tmp_path: Path,
    expect_error: ExpectError,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wrong-" + redis_server.password
    service = await make_service(
        rate_limit_redis_url=f"redis://:{wrong}@127.0.0.1:{redis_server.port}/0"
    )
    key = await service.issue_key()
    await expect_error(await service.process(key, ECHO), 503, "RATE_LIMIT_UNAVAILABLE")
    await expect_error(await service.client.get("/ready"), 503, "RATE_LIMIT_UNAVAILABLE")
    assert "AuthenticationError" in caplog.text or "WRONGPASS" in caplog.text, caplog.text
    assert wrong not in caplog.text


def test_a_missing_redis_server_fails_the_suite_saying_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with (
        pytest.raises(pytest.fail.Exception, match="apt-get install -y redis-server"),
        running_redis(tmp_path),
    ):
        pass
