"""Servers under test start in their own process group and never outlive the benchmark."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.processes import free_port, pinned, running_server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_ready_server_is_yielded_and_its_group_killed_afterwards(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with running_server(
        "http", argv, port=port, env=dict(os.environ), log_dir=tmp_path, ready_path="/"
    ) as server:
        assert server.base_url == f"http://127.0.0.1:{port}"
        assert _alive(server.pid)
    assert not _alive(server.pid)


def test_a_server_killed_even_when_the_block_raises(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with (
        pytest.raises(RuntimeError, match="boom"),
        running_server(
            "http", argv, port=port, env=dict(os.environ), log_dir=tmp_path, ready_path="/"
        ) as server,
    ):
        raise RuntimeError("boom")
    assert not _alive(server.pid)


def test_a_server_that_exits_early_is_reported_with_its_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; print('bad config'); sys.exit(3)"]
    with (
        pytest.raises(BenchError, match=r"exited with code 3[\s\S]*bad config"),
        running_server("broken", argv, port=free_port(), env=dict(os.environ), log_dir=tmp_path),
    ):
        pass


def test_a_server_that_never_answers_times_out_naming_the_url(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    port = free_port()
    with (
        pytest.raises(BenchError, match=f"127.0.0.1:{port}/health"),
        running_server(
            "silent", argv, port=port, env=dict(os.environ), log_dir=tmp_path, ready_timeout_s=0.5
        ),
    ):
        pass


def test_pinning_prefixes_taskset_only_when_a_cpu_is_given() -> None:
    assert pinned(["wrk", "-c64"], 1) == ["taskset", "-c", "1", "wrk", "-c64"]
    assert pinned(["wrk"], None) == ["wrk"]
