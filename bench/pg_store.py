"""Key verification and session lookup on PostgreSQL vs SQLite, and the cross-replica notice.

`python -m bench.pg_store [--rounds N]` starts its own PostgreSQL (the tests' launcher:
initdb into a temporary directory, a free loopback port) and prints, per path, the
median cost of one call on each store and their ratio. Cached: the verifier's cache
answers. Uncached: the cache is dropped before each call, so the store is read. The
revoke is timed on replica A while replica B listens: it returns only once B
acknowledged the change, so B must never be found not to have heard it.

Kept apart from `python -m bench run` while that suite is being reworked.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from service.credentials.key_verifier import KeyVerifier
from service.credentials.keys import create_key
from service.credentials.session_verifier import SessionVerifier
from service.credentials.sessions import create_session
from service.storage.base import CredentialStore
from service.storage.postgres import PostgresKeyStore
from service.storage.sqlite import SqliteKeyStore
from tests.service.postgres_server import running_postgres

Timed = Callable[[], Awaitable[object]]


async def _median_us(call: Timed, rounds: int) -> float:
    for _ in range(min(rounds, 200)):  # warm up
        await call()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


async def _paths(store: CredentialStore, rounds: int) -> dict[str, float]:
    keys = KeyVerifier(store)
    sessions = SessionVerifier(store, keys)
    issued = await create_key(store, role="operator")
    session = await create_session(
        store, key_id=issued.record.key_id, ttl_seconds=3600, now=datetime.now(UTC)
    )

    async def key_uncached() -> object:
        keys.invalidate()
        return await keys.verify(issued.api_key)

    async def session_uncached() -> object:
        keys.invalidate()
        return await sessions.verify(session.token)

    results = {
        "key, cached": await _median_us(lambda: keys.verify(issued.api_key), rounds),
        "key, uncached": await _median_us(key_uncached, rounds),
        "session, cached": await _median_us(lambda: sessions.verify(session.token), rounds),
        "session, uncached": await _median_us(session_uncached, rounds),
    }
    assert await keys.verify(issued.api_key) is not None
    assert await sessions.verify(session.token) is not None
    return results


async def _revoke_ms(url: str, rounds: int) -> tuple[list[float], int]:
    """Time revokes on A with B listening; count those B had not heard when A returned."""
    a, b = await PostgresKeyStore.open(url), await PostgresKeyStore.open(url)
    try:
        took, unheard = [], 0
        for _ in range(rounds):
            issued = await create_key(a, role="operator")
            before = b.generation()
            start = time.perf_counter()
            await a.revoke_key(issued.record.key_id, datetime.now(UTC))
            took.append((time.perf_counter() - start) * 1000)
            unheard += b.generation() == before
        return took, unheard
    finally:
        await a.close()
        await b.close()


async def _run(rounds: int) -> None:
    with running_postgres() as server:
        os.environ["PGPASSFILE"] = str(server.passfile)
        pg = await PostgresKeyStore.open(server.url())
        try:
            on_pg = await _paths(pg, rounds)
        finally:
            await pg.close()
        with tempfile.TemporaryDirectory() as folder:
            lite = SqliteKeyStore.open(Path(folder) / "keys.db")
            try:
                on_sqlite = await _paths(lite, rounds)
            finally:
                await lite.close()
        took, unheard = await _revoke_ms(server.url(), max(20, rounds // 20))
    print(f"{'path':<20}{'SQLite us':>12}{'PostgreSQL us':>15}{'ratio':>8}")
    for path, pg_us in on_pg.items():
        lite_us = on_sqlite[path]
        print(f"{path:<20}{lite_us:>12.1f}{pg_us:>15.1f}{pg_us / lite_us:>8.2f}")
    took.sort()
    p99 = took[min(len(took) - 1, int(len(took) * 0.99))]
    print(
        f"revoke on A, answered once B acknowledged: median {statistics.median(took):.2f} ms, "
        f"p99 {p99:.2f} ms; B had not heard it when A returned: {unheard} of {len(took)}"
    )


def main() -> None:
    """Parse the arguments and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.pg_store", description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000, help="calls timed per path")
    args = parser.parse_args()
    asyncio.run(_run(args.rounds))


if __name__ == "__main__":
    main()
