"""Find, record and remove the containers, networks and volumes contract runs create."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import docker
from docker.errors import APIError, NotFound
from docker.models.containers import Container

from contract.docker.naming import COMPONENT_LABEL, OWNER_LABEL, RUN_LABEL

SIGKILL_EXIT_CODE = 137
Say = Callable[[str], None]
# Writes one text file (relative name, text) into the run's evidence.
Write = Callable[[str, str], object]


@dataclass(frozen=True)
class Leftovers:
    """Resources carrying the run label, by kind (names)."""

    containers: tuple[str, ...]
    networks: tuple[str, ...]
    volumes: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.containers or self.networks or self.volumes)

    def describe(self) -> str:
        """Return a one-line list of the resources."""
        parts = [
            f"{kind}: {', '.join(names)}"
            for kind, names in (
                ("containers", self.containers),
                ("networks", self.networks),
                ("volumes", self.volumes),
            )
            if names
        ]
        return "; ".join(parts) or "nothing"


def owner_alive(owner: str) -> bool:
    """Return whether the owner label names a harness process still running on this host."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        # Another host shares the daemon: we cannot tell, so never touch its runs.
        return True
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _label_filter(run_id: str | None) -> dict[str, str]:
    return {"label": f"{RUN_LABEL}={run_id}" if run_id else RUN_LABEL}


def labelled_containers(
    client: docker.DockerClient,
    run_id: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[Container]:
    """Return the containers of run_id (any run if None) also carrying labels, alive or not."""
    wanted = [_label_filter(run_id)["label"], *(f"{k}={v}" for k, v in (labels or {}).items())]
    # ignore_removed: another run may remove its containers while we list them.
    found: list[Container] = client.containers.list(
        all=True, filters={"label": wanted}, ignore_removed=True
    )
    return found


def find_resources(client: docker.DockerClient, run_id: str | None = None) -> Leftovers:
    """Return every resource of run_id, or of any run when run_id is None."""
    flt = _label_filter(run_id)
    return Leftovers(
        containers=tuple(sorted(c.name for c in labelled_containers(client, run_id))),
        networks=tuple(sorted(n.name for n in client.networks.list(filters=flt))),
        volumes=tuple(sorted(v.name for v in client.volumes.list(filters=flt))),
    )


def stale_run_ids(client: docker.DockerClient) -> list[str]:
    """Return the ids of runs whose harness process is gone but whose resources remain."""
    labels: list[dict[str, str]] = []
    flt = _label_filter(None)
    labels += [c.labels for c in labelled_containers(client)]
    labels += [n.attrs.get("Labels") or {} for n in client.networks.list(filters=flt)]
    labels += [v.attrs.get("Labels") or {} for v in client.volumes.list(filters=flt)]
    runs = {lab[RUN_LABEL]: lab.get(OWNER_LABEL, "") for lab in labels if RUN_LABEL in lab}
    return sorted(run for run, owner in runs.items() if not owner_alive(owner))


def remove_run(client: docker.DockerClient, run_id: str) -> list[str]:
    """Remove every container (with its anonymous volumes), network and volume of run_id.

    Returns the problems met; an empty list means the run left nothing behind.
    """
    flt = _label_filter(run_id)
    removals: list[tuple[str, str, Callable[[], object]]] = []
    for container in labelled_containers(client, run_id):
        # v=True also removes the anonymous volumes an image's VOLUME created.
        removals.append(
            ("container", container.name, partial(container.remove, v=True, force=True))
        )
    # Networks after containers: a network with attached containers cannot go.
    removals += [("network", n.name, n.remove) for n in client.networks.list(filters=flt)]
    removals += [
        ("volume", v.name, partial(v.remove, force=True)) for v in client.volumes.list(filters=flt)
    ]
    problems: list[str] = []
    for kind, name, remove_one in removals:
        try:
            remove_one()
        except NotFound:
            pass  # already gone: what we wanted
        except APIError as exc:
            problems.append(f"{kind} {name}: {exc.explanation or exc}")
    return problems


def remove_stale_runs(client: docker.DockerClient, say: Say) -> list[str]:
    """Remove the resources of every stale run, saying what went; return the run ids."""
    stale = stale_run_ids(client)
    for run_id in stale:
        found = find_resources(client, run_id)
        say(f"removing leftovers of stale run {run_id} ({found.describe()})")
        for problem in remove_run(client, run_id):
            say(f"could not remove {problem}")
    return stale


def describe_state(state: Mapping[str, Any]) -> str:
    """Return a container State as one line: status, exit code, and how it ended."""
    line = f"{state.get('Status')}, exit code {state.get('ExitCode')}"
    if state.get("ExitCode") == SIGKILL_EXIT_CODE and not state.get("OOMKilled"):
        line += " (killed by SIGKILL)"
    if state.get("OOMKilled"):
        line += " (killed: out of memory)"
    if state.get("Error"):
        line += f" ({state['Error']})"
    return line


def save_state(client: docker.DockerClient, run_id: str, write: Write) -> list[str]:
    """Write each container's inspect JSON and log, and the network's; return state lines."""
    states: list[str] = []
    flt = _label_filter(run_id)
    for container in labelled_containers(client, run_id):
        component = container.labels.get(COMPONENT_LABEL, container.name)
        state = container.attrs["State"]
        states.append(f"{component}: {describe_state(state)}, finished {state.get('FinishedAt')}")
        write(f"{component}.inspect.json", _json(container.attrs))
        try:
            log = container.logs(stdout=True, stderr=True, timestamps=True)
        except NotFound:
            log = b"(container removed before its log could be read)\n"
        write(f"{component}.container.log", log.decode("utf-8", errors="replace"))
    for network in client.networks.list(filters=flt):
        write(f"network-{network.name}.inspect.json", _json(network.attrs))
    return states


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
