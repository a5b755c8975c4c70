"""A contract run stops what a killed earlier run spawned, by its marker, and nothing else."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.cli import main
from contract.leftovers import MARKER, harness_marker, read_marker, stop_leftovers
from contract.progress import Progress
from contract.runtime.base import Launch
from contract.runtime.process import ProcessComponent
from contract.spec import PROMETHEUS, ComponentSpec, Endpoint, Rendered

# A harness that spawns one component the way the process runtime does (its own
# session, the runtime's child_env), prints its pid and dies by SIGKILL: no teardown.
KILLED_HARNESS = """
import os, signal, subprocess, sys
from pathlib import Path
from contract.progress import Progress
from contract.runtime.base import Launch
from contract.runtime.process import ProcessComponent
from contract.spec import ComponentSpec, Endpoint, Rendered

launch = Launch(ComponentSpec("backend", 8080, "/health"), Rendered({}), {}, ready_timeout=1.0)
component = ProcessComponent(
    launch, Progress(open(os.devnull, "w")), argv=["sleep", "300"],
    listen=Endpoint("127.0.0.1", 1), workdir=Path.cwd(), log_path=Path(os.devnull),
)
child = subprocess.Popen(
    ["sleep", "300"], env=component.child_env(), start_new_session=True,
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
print(child.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def gone(pid: int) -> bool:
    """Return True once pid has exited (reaped, or a zombie no one waited for yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return True
    return state in {"Z", "X"}


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        time.sleep(0.05)
    return gone(pid)


@pytest.fixture
def spawned() -> Iterator[list[int]]:
    """Collect pids the test starts; kill any still alive afterwards."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def orphan_of_killed_harness(spawned: list[int]) -> int:
    harness = subprocess.run(
        [sys.executable, "-c", KILLED_HARNESS], capture_output=True, text=True, check=False
    )
    assert harness.returncode == -signal.SIGKILL, harness.stderr
    pid = int(harness.stdout.split()[0])
    spawned.append(pid)
    return pid


def sleeper(spawned: list[int], env: dict[str, str]) -> int:
    process = subprocess.Popen(["sleep", "300"], env=env, start_new_session=True)
    spawned.append(process.pid)
    return process.pid


def test_a_component_carries_the_marker_of_the_harness_that_spawned_it(tmp_path: Path) -> None:
    launch = Launch(ComponentSpec(PROMETHEUS, 9090, "/-/ready"), Rendered({}), {}, 1.0)
    component = ProcessComponent(
        launch,
        Progress((tmp_path / "progress.txt").open("w", encoding="utf-8")),
        argv=["true"],
        listen=Endpoint("127.0.0.1", 1),
        workdir=tmp_path,
        log_path=tmp_path / "log",
    )
    assert component.child_env()[MARKER] == harness_marker()


def test_only_processes_of_a_dead_harness_are_stopped(spawned: list[int]) -> None:
    orphan = orphan_of_killed_harness(spawned)
    live_run = sleeper(spawned, {**os.environ, MARKER: harness_marker()})  # this harness lives
    bystander = sleeper(spawned, {k: v for k, v in os.environ.items() if k != MARKER})
    said: list[str] = []

    stopped = stop_leftovers(said.append, grace=2.0)

    assert orphan in [leftover.pid for leftover in stopped]
    assert wait_gone(orphan)
    assert read_marker(live_run) == harness_marker() and not gone(live_run)
    assert not gone(bystander)
    assert said and str(orphan) in said[0]


def test_python_m_contract_stops_a_killed_runs_processes_first(
    tmp_path: Path, spawned: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    orphan = orphan_of_killed_harness(spawned)
    monkeypatch.chdir(tmp_path)

    # The run itself fails fast (no such catalog); the cleanup comes before anything else.
    code = main(["--catalog", str(tmp_path / "absent.yaml"), "--evidence-dir", str(tmp_path)])

    assert code != 0
    assert wait_gone(orphan)
    assert str(orphan) in (tmp_path / "progress.log").read_text(encoding="utf-8")
