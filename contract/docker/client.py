"""Connect to the docker daemon, failing closed with a message that says what to do."""

from __future__ import annotations

import docker
from docker.errors import DockerException

from contract.errors import HarnessError


def connect() -> docker.DockerClient:
    """Return a client for the daemon named by the environment (DOCKER_HOST or the socket)."""
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except DockerException as exc:
        raise HarnessError(
            "docker", f"cannot reach the docker daemon ({exc}); is dockerd running?"
        ) from exc
    return client


def daemon_reachable() -> bool:
    """Return whether a docker daemon answers (for skipping docker-only tests)."""
    try:
        docker.from_env(timeout=5).ping()
    except DockerException:
        return False
    return True
