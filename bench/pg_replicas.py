"""Pipeline throughput: one vs two replicas on PostgreSQL and Redis, file vs PostgreSQL audit.

`python -m bench.pg_replicas [--seconds N]` starts its own PostgreSQL and Redis (the
tests' launchers), then for each variant real `python -m service serve` processes,
one `wrk` per replica (32 connections, POST /process echo, one key), and prints
requests per second and the ratios of the same run. Everything shares this machine's
cores, so two replicas measure contention as much as scale-out.

Kept apart from `python -m bench run` while that suite is being reworked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from service.credentials.keys import create_key
from service.storage.postgres import PostgresKeyStore
from tests.service.postgres_server import running_postgres
from tests.service.redis_server import _free_port, running_redis

ROOT = Path(__file__).resolve().parents[1]
BODY = json.dumps({"action": "echo", "context_id": "default", "payload": {"message": "hi"}})
VARIANTS = (("file", 1), ("postgresql", 1), ("file", 2), ("postgresql", 2))


def _ready(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready") as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"the replica on port {port} did not become ready")


def _wrk(ports: list[int], key: str, seconds: int) -> float:
    env = {**os.environ, "BENCH_BODY": BODY, "BENCH_API_KEY": key}
    runs = [
        subprocess.Popen(
            [
                "wrk",
                "-t1",
                "-c32",
                f"-d{seconds}s",
                "-s",
                str(ROOT / "bench/lua/post.lua"),
                f"http://127.0.0.1:{port}/process",
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    total = 0.0
    for run in runs:
        out = run.communicate()[0]
        if "Non-2xx" in out:
            raise SystemExit(f"wrk saw errors:\n{out}")
        found = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if found is None:
            raise SystemExit(f"no figure in wrk's output:\n{out}")
        total += float(found[1])
    return total


def _measure(env: dict[str, str], replicas: int, key: str, seconds: int, work: Path) -> float:
    ports = [_free_port() for _ in range(replicas)]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "service", "serve"],
            env={**env, "TECHNO_PORT": str(port), "TECHNO_DATA_DIR": str(work / str(port))},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            _ready(port)
        _wrk(ports, key, 2)  # warm up
        return _wrk(ports, key, seconds)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


async def _key(url: str) -> str:
    store = await PostgresKeyStore.open(url)
    try:
        return (await create_key(store, role="operator")).api_key
    finally:
        await store.close()


def main() -> None:
    """Run every variant and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.pg_replicas", description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per variant")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="techno-pg-bench-"))
    (work / "redis").mkdir()
    with running_postgres() as pg, running_redis(work / "redis") as redis:
        os.environ["PGPASSFILE"] = str(pg.passfile)
        key = asyncio.run(_key(pg.url()))
        base = {
            **os.environ,
            "TECHNO_DATABASE_URL": pg.url(),
            "TECHNO_RATE_LIMIT_REDIS_URL": redis.url,
            "TECHNO_RATE_LIMIT_PER_MINUTE": "1000000",
        }
        rps = {}
        for sink, replicas in VARIANTS:
            env = {**base, "TECHNO_AUDIT_SINK": sink}
            rps[sink, replicas] = _measure(env, replicas, key, args.seconds, work)
            print(f"{replicas} replica(s), {sink} audit: {rps[sink, replicas]:8.0f} req/s")
    for sink in ("file", "postgresql"):
        print(f"2 vs 1 replicas, {sink} audit: {rps[sink, 2] / rps[sink, 1]:.2f}x")
    for replicas in (1, 2):
        ratio = rps["postgresql", replicas] / rps["file", replicas]
        print(f"PostgreSQL vs file audit, {replicas} replica(s): {ratio:.2f}x")


if __name__ == "__main__":
    main()
