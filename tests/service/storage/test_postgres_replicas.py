"""Two replicas on one real PostgreSQL and one real Redis behave as one service."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.audit.pg_sink import read_trace_pg
from tests.service.conftest import ExpectError, MakeService, ServiceHarness
from tests.service.gates.test_gate_rate_limit_redis import redis_server
from tests.service.postgres_server import PostgresServer
from tests.service.redis_server import RedisServer

__all__ = ["redis_server"]  # the Redis tests' fixture, used as it is

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
# Enough rounds that a change seen by luck (the notification winning a race) would show.
ROUNDS = 20


@dataclass
class Replicas:
    """Two apps sharing one database (keys, sessions, audit) and one Redis, and an admin key."""

    a: ServiceHarness
    b: ServiceHarness
    admin: str

    async def create_key(self, on: ServiceHarness) -> str:
        """Create an operator key through `on`'s admin API and return its secret."""
        response = await on.client.post(
            "/admin/keys", json={"role": "operator"}, headers={"X-API-KEY": self.admin}
        )
        body = await response.json()
        assert response.status == 201, body
        on.issued.append(body["api_key"])
        return str(body["api_key"])


StartReplicas = Callable[..., Awaitable[Replicas]]


@pytest.fixture
def start_replicas(
    pg_url: str, redis_server: RedisServer, make_service: MakeService, tmp_path: Path
) -> StartReplicas:
    """Return a starter of two replicas on the test's database and Redis.

    pg_url comes first: its database (and PGPASSFILE) must outlive the apps.
    """

    async def start(**overrides: Any) -> Replicas:
        shared: dict[str, Any] = {
            "database_url": pg_url,
            "audit_sink": "postgresql",
            "rate_limit_redis_url": redis_server.url,
            **overrides,
        }
        a = await make_service(data_dir=tmp_path / "a", **shared)
        b = await make_service(data_dir=tmp_path / "b", **shared)
        return Replicas(a, b, await a.issue_key("admin"))

    return start


async def status(replica: ServiceHarness, key: str) -> int:
    """Return the status of one echo request with `key`."""
    return (await replica.process(key, ECHO)).status


async def until_ready(replica: ServiceHarness, seconds: float = 20.0) -> None:
    """Wait until `replica` answers /ready with 200 again, by itself (no restart)."""
    __tracebackhide__ = True
    deadline = time.monotonic() + seconds
    while (await replica.client.get("/ready")).status != 200:
        assert time.monotonic() < deadline, f"not ready again within {seconds} s"
        await asyncio.sleep(0.05)


async def test_a_key_created_on_a_authenticates_on_b_at_once(
    start_replicas: StartReplicas,
) -> None:
    replicas = await start_replicas()
    for _ in range(ROUNDS):
        # B's caches are warm (it just served the admin key) when A creates the next one.
        assert (
            await replicas.b.client.get("/admin/keys", headers={"X-API-KEY": replicas.admin})
        ).status == 200
        key = await replicas.create_key(replicas.a)
        assert await status(replicas.b, key) == 200


async def test_a_key_revoked_on_a_is_refused_on_b_from_the_next_request(
    start_replicas: StartReplicas,
) -> None:
    replicas = await start_replicas()
    for _ in range(ROUNDS):
        key = await replicas.create_key(replicas.a)
        assert await status(replicas.b, key) == 200  # now cached on B
        key_id = key.split(".")[0]
        revoked = await replicas.a.client.delete(
            f"/admin/keys/{key_id}", headers={"X-API-KEY": replicas.admin}
        )
        assert revoked.status == 200
        assert await status(replicas.b, key) == 401


async def test_a_session_ended_on_a_is_refused_on_b_from_the_next_request(
    start_replicas: StartReplicas,
) -> None:
    replicas = await start_replicas()
    key = await replicas.create_key(replicas.a)
    for _ in range(ROUNDS):
        token = (await replicas.a.open_session(key))["token"]
        assert await status(replicas.b, token) == 200  # now cached on B
        ended = await replicas.a.client.delete(
            "/sessions/current", headers={"Authorization": f"Bearer {token}"}
        )
        assert ended.status == 204, await ended.text()
        assert await status(replicas.b, token) == 401
    assert await status(replicas.b, key) == 200, "ending sessions leaves their key usable"


async def test_both_replicas_together_grant_exactly_the_per_key_budget(
    start_replicas: StartReplicas,
) -> None:
    replicas = await start_replicas(rate_limit_per_minute=10)
    key = await replicas.create_key(replicas.a)
    statuses = [
        await status(replica, key) for _ in range(8) for replica in (replicas.a, replicas.b)
    ]
    assert statuses.count(200) == 10
    assert statuses[10:] == [429] * 6


async def test_postgres_down_fails_closed_with_503_audited_once_it_returns(
    start_replicas: StartReplicas,
    postgres_server: PostgresServer,
    pg_url: str,
    expect_error: ExpectError,
    tmp_path: Path,
) -> None:
    replicas = await start_replicas()
    key = await replicas.create_key(replicas.a)
    assert await status(replicas.a, key) == 200
    assert await status(replicas.b, key) == 200  # both have it cached

    postgres_server.kill()
    # At once, before a replica even noticed: its cached key would pass, but the request's
    # events cannot be committed (fsync durability), so it is not answered as done.
    first = await replicas.a.process(key, ECHO)
    assert first.status == 503, await first.text()
    refused_ids = [(await first.json())["trace_id"]]
    for replica in (replicas.a, replicas.b):
        await expect_error(await replica.client.get("/ready"), 503, "STORAGE_UNAVAILABLE")
        refused = await replica.process(key, ECHO)
        body = await refused.json()
        # The key store failed; answering that, the audit failed too: either is named.
        assert refused.status == 503, body
        assert body["reason_codes"] in (["STORAGE_UNAVAILABLE"], ["AUDIT_UNAVAILABLE"]), body
        refused_ids.append(body["trace_id"])

    postgres_server.start()
    for replica in (replicas.a, replicas.b):
        await until_ready(replica)
        assert await status(replica, key) == 200

    # Each refused request's events were kept and written once the database answered.
    for trace_id in refused_ids:
        report = await read_trace_pg(pg_url, trace_id)
        names = [e["event"] for e in report.events]
        assert names[0] == "REQUEST_START" and names.count("REQUEST_END") == 1, report.events
    for trace_id in refused_ids[1:]:
        end = (await read_trace_pg(pg_url, trace_id)).events[-1]
        assert (end["status"], end["reason_codes"]) == (503, ["STORAGE_UNAVAILABLE"]), end

    # And `python -m service audit ID` reconstructs it from the shared table, on any host.
    env = {
        **os.environ,
        "TECHNO_DATABASE_URL": pg_url,
        "TECHNO_AUDIT_SINK": "postgresql",
        "TECHNO_DATA_DIR": str(tmp_path / "cli"),
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "service", "audit", refused_ids[1]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout
    assert "REQUEST_START" in printed and "REQUEST_END" in printed
    assert postgres_server.password not in printed


async def test_postgres_down_with_file_audit_answers_storage_unavailable_at_once(
    start_replicas: StartReplicas, postgres_server: PostgresServer, expect_error: ExpectError
) -> None:
    replicas = await start_replicas(audit_sink="file")
    key = await replicas.create_key(replicas.a)
    assert await status(replicas.b, key) == 200
    postgres_server.kill()
    await expect_error(await replicas.b.client.get("/ready"), 503, "STORAGE_UNAVAILABLE")
    refused = await replicas.b.process(key, ECHO)
    body = await expect_error(refused, 503, "STORAGE_UNAVAILABLE")
    ends = [e for e in replicas.b.audit_events() if e["trace_id"] == body["trace_id"]]
    assert (ends[-1]["event"], ends[-1]["status"]) == ("REQUEST_END", 503)
    postgres_server.start()
    await until_ready(replicas.b)
    assert await status(replicas.b, key) == 200
