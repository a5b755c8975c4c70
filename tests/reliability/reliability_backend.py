"""Run the real backend (`python -m service serve`) for a test: start, kill -9, restart, keys."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.load_variants import service_env
from bench.processes import RunningServer, free_port, pinned, running_server
from service.credentials.keys import create_key
from service.storage import SqliteKeyStore
from tests.reliability.reliability_record import SecretRegistry

SERVE_ARGV = (sys.executable, "-m", "service", "serve")
CLI_TIMEOUT_SECONDS = 60.0
# Every test sets its own limit explicitly; this one never denies.
NO_RATE_LIMIT = 1_000_000


def without_techno_env(environ: Mapping[str, str]) -> dict[str, str]:
    """Return environ less every TECHNO_* variable, so a test's settings are the only ones."""
    return {k: v for k, v in environ.items() if not k.startswith("TECHNO_")}


@dataclass
class Backend:
    """One backend configuration with its own data folder, restartable on the same port."""

    folder: Path
    registry: SecretRegistry
    durability: str = "fsync"
    rate_limit_per_minute: int = NO_RATE_LIMIT
    # Per client address, for requests without a valid credential (all from 127.0.0.1 here).
    unauthenticated_per_minute: int = NO_RATE_LIMIT
    extra_env: dict[str, str] = field(default_factory=dict)
    cpu: int | None = None
    port: int = field(default_factory=free_port)
    starts: int = 0

    @property
    def data_dir(self) -> Path:
        return self.folder / "var"

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit.jsonl"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "techno.db"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Return the process environment: production mode, this folder, this port."""
        settings = service_env(self.data_dir, self.port, self.audit_path, self.durability)
        settings["TECHNO_RATE_LIMIT_PER_MINUTE"] = str(self.rate_limit_per_minute)
        settings["TECHNO_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE"] = str(
            self.unauthenticated_per_minute
        )
        return {**without_techno_env(os.environ), **settings, **self.extra_env}

    @contextlib.contextmanager
    def running(self) -> Iterator[RunningServer]:
        """Serve until the block ends (each start gets its own log file in the folder)."""
        self.starts += 1
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with running_server(
            f"backend-{self.starts}",
            pinned(SERVE_ARGV, self.cpu),
            port=self.port,
            env=self.env(),
            log_dir=self.folder,
            ready_path="/ready",
        ) as server:
            yield server

    def issue_key(self, role: str = "operator") -> str:
        """Create a key straight in the key store (as the CLI does) and register its secret."""

        async def create() -> str:
            store = SqliteKeyStore.open(self.db_path)
            try:
                return (await create_key(store, role=role, name="reliability")).api_key
            finally:
                await store.close()

        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.registry.add_api_key(asyncio.run(create()))

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `python -m service ARGS` against this backend's data and return the result."""
        return subprocess.run(
            [sys.executable, "-m", "service", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=CLI_TIMEOUT_SECONDS,
        )


def kill_hard(pid: int, timeout_s: float = 5.0) -> None:
    """SIGKILL a process and wait until it no longer runs (a zombie counts as gone)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} survived SIGKILL for {timeout_s}s")
