"""Start a server as its own process group, wait until it answers, and always kill it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError

_LOG_TAIL_CHARS = 3000


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(argv: Sequence[str], cpu: int | None) -> list[str]:
    """Prefix argv with `taskset -c CPU` when a CPU is given."""
    return ["taskset", "-c", str(cpu), *argv] if cpu is not None else list(argv)


@dataclass(frozen=True)
class RunningServer:
    """A started server: where it listens and where its output goes."""

    name: str
    base_url: str
    log_path: Path
    pid: int

    def log_tail(self) -> str:
        """Return the end of the server's combined stdout/stderr."""
        return _tail(self.log_path)


def _tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-_LOG_TAIL_CHARS:]
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def running_server(
    name: str,
    argv: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str],
    log_dir: Path,
    ready_path: str = "/health",
    ready_timeout_s: float = 30.0,
) -> Iterator[RunningServer]:
    """Run argv until the block ends; kill its whole process group even on error or Ctrl-C."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: one killpg stops it and its children
        )
    server = RunningServer(name, f"http://127.0.0.1:{port}", log_path, proc.pid)
    try:
        _wait_ready(proc, server, ready_path, ready_timeout_s)
        yield server
    finally:
        _stop_group(proc)


def _wait_ready(
    proc: subprocess.Popen[bytes], server: RunningServer, path: str, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    url = server.base_url + path
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(
                f"{server.name} exited with code {proc.returncode} before it was ready; "
                f"log {server.log_path}:\n{server.log_tail()}"
            )
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(url, timeout=1.0) as response,  # noqa: S310 - loopback URL
        ):
            if response.status == 200:
                return
        time.sleep(0.1)
    raise BenchError(
        f"{server.name} did not answer 200 on {url} within {timeout_s:.0f}s; "
        f"log {server.log_path}:\n{server.log_tail()}"
    )


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Send SIGTERM to the process group, then SIGKILL whatever is left after 5 s."""
    for sig, grace_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace_s)
            return
        except subprocess.TimeoutExpired:
            continue
