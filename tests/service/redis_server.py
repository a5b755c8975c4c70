"""A real redis-server on a free loopback port, with a password, started and stopped by tests."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

START_TIMEOUT_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process without persistence; stop() and start() it to fake an outage."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self._binary = binary
        self._workdir = workdir
        self.port = _free_port()
        self.password = "pw-" + secrets.token_hex(12)
        self._log_path = workdir / "redis-server.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the URL a service uses, password included."""
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """Return a synchronous client for inspecting what the service stored."""
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password)

    def start(self) -> None:
        """Start the server and wait until it answers PING; on failure, stop it and say why."""
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    self._binary,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--requirepass", self.password,
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(self._workdir),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        with self.client() as probe:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    break
                try:
                    if probe.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.02)
        self.stop()
        log_tail = self._log_path.read_text(errors="replace")[-2000:]
        pytest.fail(f"redis-server on 127.0.0.1:{self.port} did not answer PING; log:\n{log_tail}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait until it is gone."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def running_redis(workdir: Path) -> Iterator[RedisServer]:
    """Yield a started RedisServer; it is stopped on exit whatever happened."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: the shared rate limit is tested against a real "
            "one (apt-get install -y redis-server, or run .ci/setup)"
        )
    server = RedisServer(binary, workdir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
