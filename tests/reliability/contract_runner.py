"""Run the contract harness as a real process, inject a fault into its stack, watch its children."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[2]
POLL_SECONDS = 0.05
# Scenarios that touch every component quickly; the rest of the contract is not the point here.
FAST_SCENARIOS = ("--", "-k", "health")


@dataclass
class Child:
    """A process the harness started (directly or not), as first seen."""

    pid: int
    name: str
    create_time: float
    listening: set[str] = field(default_factory=set)

    def still_running(self) -> bool:
        """Return whether this very process (same pid and start time) still runs."""
        try:
            process = psutil.Process(self.pid)
            same = process.create_time() == self.create_time
            return same and process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False


@dataclass
class ContractRun:
    """How one harness run ended, what it left in evidence, and every child it had."""

    returncode: int
    output: str
    evidence: Path
    children: dict[int, Child]
    seconds: float

    def summary(self) -> dict[str, Any]:
        """Return the run's summary.json (it must exist, pass or fail)."""
        document: dict[str, Any] = json.loads((self.evidence / "summary.json").read_text())
        return document

    def summary_text(self) -> str:
        """Return summary.md, the human-readable verdict with the causes."""
        return (self.evidence / "summary.md").read_text(encoding="utf-8")

    def strays(self) -> list[Child]:
        """Return the children still running after the harness exited."""
        return [child for child in self.children.values() if child.still_running()]


Fault = Callable[[dict[int, Child], str], bool]


def progress_log(evidence: Path) -> str:
    """Return what the harness has reported so far."""
    with contextlib.suppress(OSError):
        return (evidence / "progress.log").read_text(encoding="utf-8", errors="replace")
    return ""


def _track(root: psutil.Process, children: dict[int, Child]) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        for process in root.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                child = children.get(process.pid)
                if child is None:
                    child = Child(process.pid, process.name(), process.create_time())
                    children[process.pid] = child
                for conn in process.net_connections(kind="inet"):
                    if conn.status == psutil.CONN_LISTEN:
                        child.listening.add(f"{conn.laddr.ip}:{conn.laddr.port}")


def run_harness(
    evidence: Path,
    *,
    launcher: Sequence[str] = ("-m", "contract"),
    extra: Sequence[str] = FAST_SCENARIOS,
    fault: Fault | None = None,
    timeout_s: float = 180.0,
) -> ContractRun:
    """Run the harness (Grafana left out) into `evidence`; call fault() until it returns True."""
    argv = [sys.executable, *launcher, "--skip", "grafana", f"--evidence-dir={evidence}", *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TECHNO_")}
    began = time.monotonic()
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    root = psutil.Process(process.pid)
    children: dict[int, Child] = {}
    injected = fault is None
    output: list[str] = []
    reader = _start_reader(process, output)
    try:
        while process.poll() is None:
            if time.monotonic() - began > timeout_s:
                raise AssertionError(f"the harness did not finish within {timeout_s}s")
            _track(root, children)
            if not injected and fault is not None:
                injected = fault(children, progress_log(evidence))
            time.sleep(POLL_SECONDS)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(10)
    assert injected, "the fault was never injected (the stack never got that far)"
    return ContractRun(
        process.returncode, "".join(output), evidence, children, time.monotonic() - began
    )


def _start_reader(process: subprocess.Popen[str], sink: list[str]) -> threading.Thread:
    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            sink.append(line)

    thread = threading.Thread(target=read, name="harness-output", daemon=True)
    thread.start()
    return thread


def signal_when_ready(component: str, process_name: str, sig: signal.Signals) -> Fault:
    """Return a fault sending `sig` to the component's process once the harness says it is ready."""

    def inject(children: dict[int, Child], progress: str) -> bool:
        if f"[{component}] ready" not in progress:
            return False
        target = next((c for c in children.values() if c.name == process_name), None)
        if target is None:
            return False
        os.kill(target.pid, sig)
        return True

    return inject
