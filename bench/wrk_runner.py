"""Drive wrk as a separate process against one server and parse what it reports."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError
from bench.processes import pinned
from bench.wrk_output import WrkResult, parse_wrk_output

POST_SCRIPT = Path(__file__).resolve().parent / "lua" / "post.lua"


@dataclass(frozen=True)
class LoadShape:
    """How hard and how long wrk pushes: connections, threads, seconds, and its CPU."""

    connections: int
    threads: int
    duration_s: float
    cpu: int | None


def wrk_binary() -> str:
    """Return the path of wrk, or fail with how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk is not on PATH: install it with `apt-get install wrk`")
    return path


def wrk_version() -> str:
    """Return wrk's version line (wrk prints it on `-v`, exiting non-zero)."""
    done = subprocess.run(
        [wrk_binary(), "-v"], capture_output=True, text=True, check=False, timeout=10
    )
    return (done.stdout or done.stderr).splitlines()[0].strip()


def run_wrk(url: str, shape: LoadShape, *, body: str, api_key: str | None = None) -> WrkResult:
    """POST body to url for shape.duration_s and return the parsed report."""
    argv = pinned(
        [
            wrk_binary(),
            f"-t{shape.threads}",
            f"-c{shape.connections}",
            f"-d{shape.duration_s:g}s",
            "--timeout",
            "5s",
            "--latency",
            "-s",
            str(POST_SCRIPT),
            url,
        ],
        shape.cpu,
    )
    env = {**os.environ, "BENCH_BODY": body, "BENCH_API_KEY": api_key or ""}
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, check=False, timeout=shape.duration_s + 60
    )
    if done.returncode != 0:
        raise BenchError(f"wrk against {url} exited {done.returncode}: {done.stderr.strip()}")
    return parse_wrk_output(done.stdout)
