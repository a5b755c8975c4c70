"""Two real `python -m service serve` processes on one PostgreSQL and one Redis."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from service.credentials.keys import create_key
from service.storage.postgres import PostgresKeyStore
from tests.service.gates.test_gate_rate_limit_redis import redis_server
from tests.service.postgres_server import PostgresServer
from tests.service.redis_server import RedisServer, _free_port

__all__ = ["redis_server"]  # the Redis tests' fixture, used as it is

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
OPERATOR = {"role": "operator"}
# Each round changes a credential on A and asks B at once: a stale cache would show.
ROUNDS = 100
START_SECONDS = 30.0


async def _until(session: aiohttp.ClientSession, url: str, status: int) -> None:
    __tracebackhide__ = True
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            async with session.get(url + "/ready") as answer:
                if answer.status == status:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    pytest.fail(f"{url}/ready did not answer {status} within {START_SECONDS} s")


@pytest.fixture
def servers(pg_url: str, redis_server: RedisServer, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Start replicas A and B as processes; yield their base URLs; stop them at teardown."""
    env = {
        **os.environ,
        "TECHNO_DATABASE_URL": pg_url,
        "TECHNO_AUDIT_SINK": "postgresql",
        "TECHNO_RATE_LIMIT_REDIS_URL": redis_server.url,
        "TECHNO_RATE_LIMIT_PER_MINUTE": "100000",
        # Every refused token spends its address's anonymous budget: not under test here.
        "TECHNO_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE": "100000",
    }
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = (tmp_path / f"{name}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "service", "serve"],
                    env={**env, "TECHNO_PORT": str(port), "TECHNO_DATA_DIR": str(tmp_path / name)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        yield urls[0], urls[1]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
async def client(servers: tuple[str, str]) -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP client once both replicas are ready."""
    async with aiohttp.ClientSession() as session:
        for url in servers:
            await _until(session, url, 200)
        yield session


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, credential: str, **kwargs: Any
) -> tuple[int, Any]:
    header = {"Authorization": f"Bearer {credential}"}
    async with session.request(method, url, headers=header, **kwargs) as answer:
        body = await answer.json() if answer.content_type == "application/json" else None
        return answer.status, body


async def test_changes_on_a_hold_on_b_from_its_next_request_and_an_outage_fails_closed(
    pg_url: str,
    postgres_server: PostgresServer,
    servers: tuple[str, str],
    client: aiohttp.ClientSession,
) -> None:
    a, b = servers
    store = await PostgresKeyStore.open(pg_url)
    try:
        admin = (await create_key(store, role="admin")).api_key
    finally:
        await store.close()

    for _ in range(ROUNDS):
        status, created = await _call(
            client, "POST", a + "/admin/keys", admin, json={"role": "operator"}
        )
        assert status == 201, created
        key = created["api_key"]
        assert (await _call(client, "POST", b + "/process", key, json=ECHO))[0] == 200
        status, _ = await _call(client, "DELETE", f"{a}/admin/keys/{created['key_id']}", admin)
        assert status == 200
        assert (await _call(client, "POST", b + "/process", key, json=ECHO))[0] == 401

    status, created = await _call(
        client, "POST", a + "/admin/keys", admin, json={"role": "operator"}
    )
    key = created["api_key"]
    for round_ in range(ROUNDS):
        status, opened = await _call(client, "POST", a + "/sessions", key)
        assert status == 201, opened
        token = opened["token"]
        assert (await _call(client, "POST", b + "/process", token, json=ECHO))[0] == 200
        assert (await _call(client, "DELETE", a + "/sessions/current", token))[0] == 204
        status, body = await _call(client, "POST", b + "/process", token, json=ECHO)
        assert status == 401, (round_, body)

    postgres_server.kill()
    for url in (a, b):
        status, body = await _call(client, "POST", url + "/process", key, json=ECHO)
        assert status == 503, body
        await _until(client, url, 503)
    postgres_server.start()
    for url in (a, b):
        await _until(client, url, 200)
        assert (await _call(client, "POST", url + "/process", key, json=ECHO))[0] == 200
