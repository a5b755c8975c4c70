"""Stack runtimes: where the components run (local processes or Docker containers)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from contract.runtime.base import Component, Launch, Runtime


def _process_runtime(workdir: Path) -> Runtime:
    """Build the process runtime."""
    # Imported late: it imports the harness's own servers, which import this package's base.
    from contract.runtime.process import ProcessRuntime

    return ProcessRuntime(workdir)


def _docker_runtime(workdir: Path) -> Runtime:
    """Build the docker runtime (imported late: the process runtime needs no docker SDK)."""
    from contract.docker.runtime import DockerRuntime

    return DockerRuntime(workdir)


# Runtime name → factory taking the run's private work dir.
RUNTIMES: dict[str, Callable[[Path], Runtime]] = {
    "process": _process_runtime,
    "docker": _docker_runtime,
}

__all__ = ["RUNTIMES", "Component", "Launch", "Runtime", "make_runtime"]


def make_runtime(name: str, workdir: Path) -> Runtime:
    """Return the named runtime working in workdir."""
    try:
        factory = RUNTIMES[name]
    except KeyError:
        known = ", ".join(sorted(RUNTIMES))
        raise ValueError(f"unknown runtime {name!r}; known runtimes: {known}") from None
    return factory(workdir)
