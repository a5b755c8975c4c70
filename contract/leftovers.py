"""Stop the processes an earlier, killed contract run left behind, found by the marker it set.

Every process the process runtime spawns carries `TECHNO_CONTRACT_RUN=<pid>:<start>`
in its environment: the pid and kernel start time of the harness that spawned it
(children of a component inherit it). A harness killed with SIGKILL cannot tear its
stack down, and its components, each in its own session, live on. The next run finds
them in /proc by that marker and stops those whose harness is gone; a live concurrent
run's processes are left alone, and no process is ever chosen by its name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MARKER = "TECHNO_CONTRACT_RUN"
PROC = Path("/proc")
STOP_GRACE_SECONDS = 5.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class Leftover:
    """A process whose marker names a harness that no longer runs."""

    pid: int
    marker: str
    command: str


def start_time(pid: int, proc: Path = PROC) -> str | None:
    """Return the kernel start time (clock ticks since boot) of pid, or None if it is gone."""
    try:
        stat = (proc / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # Field 22; the command name (field 2) is in parentheses and may hold spaces.
    return stat.rpartition(")")[2].split()[19]


def harness_marker(pid: int | None = None, proc: Path = PROC) -> str:
    """Return the marker value naming this harness (pid and start time)."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{start_time(pid, proc)}"


def marker_env() -> dict[str, str]:
    """Return the environment entry every spawned component carries."""
    return {MARKER: harness_marker()}


def read_marker(pid: int, proc: Path = PROC) -> str | None:
    """Return pid's marker value, or None if it has none or cannot be read."""
    try:
        environ = (proc / str(pid) / "environ").read_bytes()
    except OSError:
        return None
    prefix = f"{MARKER}=".encode()
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode(errors="replace")
    return None


def harness_alive(marker: str, proc: Path = PROC) -> bool:
    """Return True if the harness the marker names still runs (same pid, same start time)."""
    pid, _, started = marker.partition(":")
    return pid.isdigit() and start_time(int(pid), proc) == started


def find_leftovers(proc: Path = PROC) -> list[Leftover]:
    """Return every marked process whose harness is gone."""
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        marker = read_marker(int(entry.name), proc)
        if marker is None or harness_alive(marker, proc):
            continue
        with contextlib.suppress(OSError):
            raw = (entry / "cmdline").read_bytes()
            command = raw.replace(b"\0", b" ").decode(errors="replace").strip()
            found.append(Leftover(int(entry.name), marker, command))
    return found


def _signal_if_still_ours(leftover: Leftover, signum: int) -> bool:
    """Signal the process through a pidfd after re-reading its marker, so a reused pid is safe."""
    try:
        pidfd = os.pidfd_open(leftover.pid)
    except OSError:
        return False
    try:
        if read_marker(leftover.pid) != leftover.marker:
            return False
        signal.pidfd_send_signal(pidfd, signum)
        return True
    except OSError:
        return False
    finally:
        os.close(pidfd)


def stop_leftovers(say: Say, grace: float = STOP_GRACE_SECONDS) -> list[Leftover]:
    """SIGTERM every leftover, SIGKILL those alive after grace seconds; return them."""
    leftovers = [lo for lo in find_leftovers() if _signal_if_still_ours(lo, signal.SIGTERM)]
    for leftover in leftovers:
        say(f"stopping pid {leftover.pid} left by a killed run ({leftover.command[:120]})")
    deadline = time.monotonic() + grace
    alive = list(leftovers)
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [lo for lo in alive if read_marker(lo.pid) == lo.marker]
    for leftover in alive:
        _signal_if_still_ours(leftover, signal.SIGKILL)
    return leftovers
