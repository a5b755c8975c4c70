"""Faults on the docker runtime: each run fails non-zero naming the cause and leaves nothing behind.

Each test starts a real `python -m contract --runtime docker` run, so they only run when a
docker daemon answers and the contract tests are selected explicitly:
`pytest tests/contract/test_docker_faults.py --run-contract` (images built beforehand with
`python -m contract.docker build-images`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from contract.docker.client import daemon_reachable
from contract.docker.naming import COMPONENT_LABEL, LOCAL_DEBIAN, OWNER_LABEL, RUN_LABEL, owner
from contract.docker.resources import find_resources, labelled_containers, remove_run

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACT_DIRS = ("alerts", "dashboards", "runbooks", "deploy")
RUN_TIMEOUT_SECONDS = 420
DEAD_PID = 2**22 + 1  # above the default pid_max: never a live process

pytestmark = [
    pytest.mark.contract,
    pytest.mark.skipif(not daemon_reachable(), reason="no reachable docker daemon"),
]


@pytest.fixture
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    yield client
    client.close()


@dataclass
class Finished:
    """A finished contract run: exit code, terminal output, evidence folder, its run id."""

    code: int
    output: str
    evidence: Path
    run_ids: set[str]


def _artifact_copy(tmp_path: Path) -> Path:
    root = tmp_path / "artifacts"
    for name in ARTIFACT_DIRS:
        shutil.copytree(PROJECT / name, root / name)
    return root


def _run_contract(
    tmp_path: Path,
    client: docker.DockerClient,
    *,
    artifacts: Path | None = None,
    env: dict[str, str] | None = None,
    on_line: Callable[[str, int], None] | None = None,
) -> Finished:
    """Run the docker contract in a subprocess; on_line(line, pid) sees each output line."""
    evidence = tmp_path / "evidence"
    argv = [sys.executable, "-m", "contract", "--runtime", "docker", "--skip", "grafana"]
    argv += ["--evidence-dir", str(evidence)]
    if artifacts is not None:
        argv += ["--artifacts", str(artifacts)]
    process = subprocess.Popen(
        argv,
        cwd=PROJECT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen: list[str] = []
    run_ids: set[str] = set()
    # The harness labels what it creates with its own pid: that is how we find its run.
    mine = f"{owner().rpartition(':')[0]}:{process.pid}"

    def note_runs() -> None:
        containers = labelled_containers(client, labels={OWNER_LABEL: mine})
        networks = client.networks.list(filters={"label": f"{OWNER_LABEL}={mine}"})
        run_ids.update(c.labels[RUN_LABEL] for c in containers)
        run_ids.update(n.attrs["Labels"][RUN_LABEL] for n in networks)

    timer = threading.Timer(RUN_TIMEOUT_SECONDS, process.kill)
    timer.start()
    try:
        for line in process.stdout:
            seen.append(line)
            # Resources appear as components start; a docker query on every line made
            # this reader slower than the run's failure report and stalled it on a
            # full pipe for half a minute.
            if "] starting" in line or "] ready at" in line:
                note_runs()
            if on_line is not None:
                on_line(line, process.pid)
        code = process.wait()
    finally:
        timer.cancel()
    return Finished(code, "".join(seen), evidence, run_ids)


def _assert_nothing_left(client: docker.DockerClient, finished: Finished) -> None:
    __tracebackhide__ = True
    assert finished.run_ids, "the run never created a docker resource"
    for run_id in finished.run_ids:
        left = find_resources(client, run_id)
        if left:
            remove_run(client, run_id)
        assert not left, f"run {run_id} left behind {left.describe()}"


def test_killing_prometheus_mid_run_fails_the_run_and_names_it(
    tmp_path: Path, client: docker.DockerClient
) -> None:
    killed: list[str] = []

    def kill_prometheus(line: str, pid: int) -> None:
        if killed or "[prometheus] ready at" not in line:
            return
        host = owner().rpartition(":")[0]
        mine = {OWNER_LABEL: f"{host}:{pid}", COMPONENT_LABEL: "prometheus"}
        for container in labelled_containers(client, labels=mine):
            container.kill()
            killed.append(container.name)

    finished = _run_contract(tmp_path, client, on_line=kill_prometheus)

    assert killed, f"the prometheus container never became ready:\n{finished.output[-3000:]}"
    assert finished.code != 0
    summary = (finished.evidence / "summary.md").read_text()
    assert summary.startswith("# Contract run: FAIL")
    assert "[prometheus]" in summary
    state = (finished.evidence / "docker" / "prometheus.inspect.json").read_text()
    assert '"ExitCode": 137' in state  # SIGKILL, as injected
    runtime_log = (finished.evidence / "docker" / "runtime.log").read_text()
    assert "prometheus: exited, exit code 137 (killed by SIGKILL)" in runtime_log
    assert (finished.evidence / "docker" / "backend.container.log").is_file()
    _assert_nothing_left(client, finished)


def test_alertmanager_config_error_fails_the_start_with_its_log(
    tmp_path: Path, client: docker.DockerClient
) -> None:
    artifacts = _artifact_copy(tmp_path)
    config = artifacts / "deploy" / "alertmanager" / "alertmanager.yml"
    config.write_text(config.read_text().replace("receiver: default", "receiver: nowhere", 1))

    finished = _run_contract(tmp_path, client, artifacts=artifacts)

    assert finished.code != 0
    assert "[alertmanager]" in finished.output
    assert "exit code 1 before /-/ready answered" in finished.output
    log = (finished.evidence / "docker" / "alertmanager.container.log").read_text()
    assert "undefined receiver" in log and "nowhere" in log
    _assert_nothing_left(client, finished)


def test_an_image_that_cannot_be_had_stops_the_run_before_any_container(
    tmp_path: Path, client: docker.DockerClient
) -> None:
    image = "techno-ops/no-such-prometheus:never"
    finished = _run_contract(tmp_path, client, env={"TECHNO_IMAGE_PROMETHEUS": image})

    assert finished.code != 0
    assert f"image {image} ($TECHNO_IMAGE_PROMETHEUS) is not present" in finished.output
    assert "python -m contract.docker build-images" in finished.output
    for run_id in finished.run_ids:
        assert not find_resources(client, run_id)


def test_leftovers_of_a_dead_run_are_removed_and_reported(
    tmp_path: Path, client: docker.DockerClient
) -> None:
    stale = "deadbeef"
    labels = {RUN_LABEL: stale, OWNER_LABEL: f"{owner().rpartition(':')[0]}:{DEAD_PID}"}
    if not client.images.list(name=LOCAL_DEBIAN):
        pytest.skip(f"{LOCAL_DEBIAN} missing: run `python -m contract.docker build-images`")
    network = client.networks.create(f"techno-{stale}-net", labels=labels)
    client.containers.create(LOCAL_DEBIAN, name=f"techno-{stale}-prometheus", labels=labels)
    try:
        finished = _run_contract(
            tmp_path, client, env={"TECHNO_IMAGE_PROMETHEUS": "techno-ops/absent:never"}
        )
        assert f"removing leftovers of stale run {stale}" in finished.output
        assert f"techno-{stale}-prometheus" in finished.output
        assert not find_resources(client, stale)
    finally:
        remove_run(client, stale)
        if network.name in {n.name for n in client.networks.list()}:
            network.remove()
