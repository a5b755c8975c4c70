"""The runtime abstraction: a Runtime places and creates Components; both runtimes share it."""

from __future__ import annotations

import abc
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

import requests

from contract.errors import HarnessError, ReadinessError
from contract.evidence import Evidence
from contract.progress import Progress
from contract.spec import ComponentSpec, Placement, Rendered, StackSpec

LOG_TAIL_LINES = 40
POLL_SECONDS = 0.25
PROGRESS_EVERY_SECONDS = 2.0


@dataclass(frozen=True)
class Launch:
    """Everything a runtime needs to start one component."""

    spec: ComponentSpec
    rendered: Rendered
    env: Mapping[str, str]
    ready_timeout: float


class Component(abc.ABC):
    """A running stack component: a context manager that is ready on enter, gone on exit.

    If start or readiness fails, the component tears itself down and re-raises an error
    carrying its log tail.
    """

    def __init__(self, launch: Launch, progress: Progress) -> None:
        self.launch = launch
        self.spec = launch.spec
        self.name = launch.spec.name
        self.progress = progress
        self.spawn_seconds = 0.0
        self.ready_seconds = 0.0

    @property
    @abc.abstractmethod
    def base_url(self) -> str:
        """Return the URL the harness reaches the component on."""

    @abc.abstractmethod
    def _spawn(self) -> None:
        """Start the component without waiting for it."""

    @abc.abstractmethod
    def _terminate(self) -> None:
        """Stop the component and free what it holds; safe to call twice."""

    @abc.abstractmethod
    def exit_status(self) -> str | None:
        """Return why the component is gone (e.g. 'exited with code 1'), or None if running."""

    @abc.abstractmethod
    def logs(self) -> str:
        """Return the component's whole log so far."""

    def run_cli(self, args: Sequence[str]) -> str:
        """Run the component's own command-line tool with args and return its stdout."""
        raise HarnessError(self.name, "this component has no command-line tool")

    def write_config(self, files: Mapping[str, str]) -> None:
        """Replace config files (relative name -> text) of the running component."""
        raise HarnessError(self.name, "this component's config cannot be changed while it runs")

    def run_shell(self, script: str) -> str:
        """Run a POSIX shell script where the component runs (host or container); stdout."""
        raise HarnessError(self.name, "this component runs no shell")

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """Return the last lines of the component's log."""
        return "\n".join(self.logs().splitlines()[-lines:])

    def start(self) -> None:
        """Start the component and wait until its readiness endpoint answers 200."""
        started = time.monotonic()
        self.progress.say(self.name, "starting")
        try:
            self._spawn()
            self.spawn_seconds = time.monotonic() - started
            self._wait_ready()
        except BaseException:
            self._terminate()
            raise
        self.ready_seconds = time.monotonic() - started - self.spawn_seconds
        self.progress.say(
            self.name, f"ready at {self.base_url} ({time.monotonic() - started:.1f}s)"
        )

    def stop(self) -> None:
        """Stop the component."""
        self.progress.say(self.name, "stopping")
        self._terminate()

    def _wait_ready(self) -> None:
        path = self.spec.readiness_path
        url = self.base_url + path
        timeout = self.launch.ready_timeout
        started = time.monotonic()
        next_report = started + PROGRESS_EVERY_SECONDS
        last_problem = "no answer yet"
        while True:
            status = self.exit_status()
            if status is not None:
                raise ReadinessError(self.name, f"{status} before {path} answered", self.log_tail())
            try:
                answer = requests.get(url, timeout=2)
                if answer.status_code == 200:
                    return
                last_problem = f"HTTP {answer.status_code}"
            except requests.RequestException as exc:
                last_problem = type(exc).__name__
            now = time.monotonic()
            if now - started > timeout:
                raise ReadinessError(
                    self.name,
                    f"{url} not ready after {timeout:.0f}s (last answer: {last_problem})",
                    self.log_tail(),
                )
            if now >= next_report:
                self.progress.say(self.name, f"waiting for {path} ({now - started:.1f}s)")
                next_report = now + PROGRESS_EVERY_SECONDS
            time.sleep(POLL_SECONDS)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._terminate()


class Runtime(Protocol):
    """Where the stack runs: places components (addresses, paths) and creates them."""

    name: str

    def place(self, spec: StackSpec) -> Placement:
        """Choose addresses and paths for every component of the spec."""
        ...

    def create(self, launch: Launch, progress: Progress) -> Component:
        """Return the (not yet started) component for launch."""
        ...

    def collect_evidence(self, evidence: Evidence) -> None:
        """Save what the runtime knows about its components as evidence."""
        ...

    def close(self) -> None:
        """Free everything the runtime created for the run (dirs, networks, ...)."""
        ...
