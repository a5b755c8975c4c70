"""Run-labelled resources: stale runs are found and removed, live runs are left alone."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from contract.docker.client import daemon_reachable
from contract.docker.naming import LOCAL_DEBIAN, OWNER_LABEL, RUN_LABEL, new_run_id, owner
from contract.docker.resources import (
    find_resources,
    owner_alive,
    remove_run,
    remove_stale_runs,
    save_state,
    stale_run_ids,
)

pytestmark = pytest.mark.skipif(not daemon_reachable(), reason="no reachable docker daemon")
DEAD_PID = 2**22 + 1  # above the default pid_max: never a live process


@pytest.fixture
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    if not client.images.list(name=LOCAL_DEBIAN):
        pytest.skip(f"{LOCAL_DEBIAN} missing: run `python -m contract.docker build-images`")
    yield client
    client.close()


def _make_run(client: docker.DockerClient, run_owner: str) -> str:
    run_id = new_run_id()
    labels = {RUN_LABEL: run_id, OWNER_LABEL: run_owner}
    network = client.networks.create(f"techno-{run_id}-net", labels=labels)
    client.volumes.create(f"techno-{run_id}-data", labels=labels)
    client.containers.create(
        LOCAL_DEBIAN, ["true"], name=f"techno-{run_id}-probe", labels=labels, network=network.name
    )
    return run_id


def test_a_run_whose_harness_died_is_stale_and_removed_whole(client: docker.DockerClient) -> None:
    host = owner().rpartition(":")[0]
    run_id = _make_run(client, f"{host}:{DEAD_PID}")
    try:
        assert run_id in stale_run_ids(client)
        said: list[str] = []
        assert run_id in remove_stale_runs(client, said.append)
        assert any(run_id in line and "stale" in line for line in said)
        assert not find_resources(client, run_id)
    finally:
        remove_run(client, run_id)


def test_a_live_run_is_never_taken_for_stale(client: docker.DockerClient) -> None:
    run_id = _make_run(client, owner())
    try:
        assert run_id not in stale_run_ids(client)
        found = find_resources(client, run_id)
        assert found.containers == (f"techno-{run_id}-probe",)
        assert found.networks == (f"techno-{run_id}-net",)
        assert found.volumes == (f"techno-{run_id}-data",)
    finally:
        assert remove_run(client, run_id) == []
    assert not find_resources(client, run_id)


def test_state_of_every_container_is_saved(client: docker.DockerClient) -> None:
    run_id = _make_run(client, owner())
    saved: dict[str, str] = {}
    try:
        states = save_state(client, run_id, saved.__setitem__)
    finally:
        remove_run(client, run_id)
    probe = f"techno-{run_id}-probe"
    assert len(states) == 1 and states[0].startswith(f"{probe}: created, exit code 0")
    assert f'"Name": "/{probe}"' in saved[f"{probe}.inspect.json"]
    assert f"network-techno-{run_id}-net.inspect.json" in saved


def test_owner_of_another_host_counts_as_alive() -> None:
    assert owner_alive(f"some-other-host:{DEAD_PID}")
    assert not owner_alive(f"{owner().rpartition(':')[0]}:{DEAD_PID}")
