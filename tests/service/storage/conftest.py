"""One real PostgreSQL for the storage tests, and a fresh database in it per test."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import asyncpg
import pytest

from tests.service.postgres_server import PostgresServer, running_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Return the session's PostgreSQL server (started once: initdb costs a second or two)."""
    with running_postgres() as server:
        yield server


async def _admin(server: PostgresServer, sql: str) -> None:
    conn = await asyncpg.connect(server.url(), password=server.password)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def pg_url(postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Return the URL of a fresh, empty database; its password is found through PGPASSFILE."""
    # A test that kills the server leaves it down only for itself.
    if postgres_server.stopped:
        postgres_server.start()
    name = "t_" + secrets.token_hex(6)
    asyncio.run(_admin(postgres_server, f"CREATE DATABASE {name}"))
    monkeypatch.setenv("PGPASSFILE", str(postgres_server.passfile))
    yield postgres_server.url(name)
    if postgres_server.stopped:
        postgres_server.start()
    asyncio.run(_admin(postgres_server, f"DROP DATABASE {name} WITH (FORCE)"))
