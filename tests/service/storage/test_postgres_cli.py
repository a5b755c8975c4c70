"""`migrate`, `keys` and `audit` against PostgreSQL, as an operator runs them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg

from service.storage.pg_schema import SCHEMA_VERSION
from tests.service.postgres_server import PostgresServer


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TECHNO_DATABASE_URL": url, "TECHNO_AUDIT_SINK": "postgresql"}
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


async def _set_version(url: str, version: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE techno_schema SET version = $1", version)
    finally:
        await conn.close()


def test_migrate_says_what_it_did_and_refuses_a_newer_schema(pg_url: str) -> None:
    first = _cli(pg_url, "migrate")
    assert (first.returncode, first.stdout) == (
        0,
        f"schema upgraded from version 0 to {SCHEMA_VERSION}\n",
    ), first.stderr
    again = _cli(pg_url, "migrate")
    assert again.stdout == f"schema version {SCHEMA_VERSION}: up to date\n"
    asyncio.run(_set_version(pg_url, SCHEMA_VERSION + 1))
    refused = _cli(pg_url, "migrate")
    assert refused.returncode == 1
    assert (
        f"database schema version {SCHEMA_VERSION + 1} is newer than this service knows "
        f"({SCHEMA_VERSION})"
    ) in refused.stderr


def test_keys_created_and_revoked_by_the_cli_are_audited_in_the_table(
    pg_url: str, postgres_server: PostgresServer
) -> None:
    created = _cli(pg_url, "keys", "create", "--role", "operator")
    assert created.returncode == 0, created.stderr
    key_id = created.stdout.split()[1]
    trace_id = created.stdout.split("audit ")[1].split(")")[0]
    listed = _cli(pg_url, "keys", "list")
    assert key_id in listed.stdout and "active" in listed.stdout
    assert _cli(pg_url, "keys", "revoke", key_id).returncode == 0
    audited = _cli(pg_url, "audit", trace_id)
    assert audited.returncode == 0, audited.stderr
    assert "KEY_CREATED" in audited.stdout and key_id in audited.stdout
    for done in (created, listed, audited):
        assert postgres_server.password not in done.stdout + done.stderr


def test_migrate_without_a_database_url_says_what_is_missing() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TECHNO_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "service", "migrate"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "TECHNO_DATABASE_URL is not set" in done.stderr
