"""The docker runtime runs the backend image as the contract needs it, and cleans up after."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import docker
import pytest
import requests

from contract.artifacts import ArtifactTree
from contract.docker.client import daemon_reachable
from contract.docker.component import DockerComponent
from contract.docker.naming import LOCAL_BACKEND
from contract.docker.resources import find_resources
from contract.docker.runtime import DockerRuntime
from contract.evidence import Evidence
from contract.progress import Progress
from contract.redact import Redactor
from contract.runtime.base import Launch
from contract.spec import BACKEND, Rendered, backend_env, build_stack_spec
from contract.stack import BACKEND_ENV

pytestmark = pytest.mark.skipif(not daemon_reachable(), reason="no reachable docker daemon")
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[DockerRuntime]:
    client = docker.from_env()
    if not client.images.list(name=LOCAL_BACKEND):
        pytest.skip(f"{LOCAL_BACKEND} missing: run `python -m contract.docker build-images`")
    runtime = DockerRuntime(tmp_path, client=client, progress=Progress(io.StringIO()))
    yield runtime
    runtime.close()
    assert not find_resources(client, runtime.run_id), "close() left resources behind"
    client.close()


def _backend(runtime: DockerRuntime) -> DockerComponent:
    spec = build_stack_spec(ArtifactTree(PROJECT), include_grafana=False)
    placement = runtime.place(spec)
    env = {**BACKEND_ENV, **backend_env(placement)}
    launch = Launch(spec.component(BACKEND), Rendered({}), env, ready_timeout=60)
    component = runtime.create(launch, Progress(io.StringIO()))
    assert isinstance(component, DockerComponent)
    return component


def test_backend_runs_unprivileged_healthy_and_published_on_loopback_only(
    runtime: DockerRuntime,
) -> None:
    backend = _backend(runtime)
    with backend:
        assert requests.get(backend.base_url + "/health", timeout=5).status_code == 200
        backend.container.reload()
        attrs = backend.container.attrs
        assert attrs["State"]["Health"]["Status"] == "healthy"
        assert attrs["Config"]["User"] == "techno"
        published = str(urlsplit(backend.base_url).port)
        bindings = attrs["HostConfig"]["PortBindings"]
        assert bindings == {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": published}]}
        assert list(attrs["NetworkSettings"]["Networks"]) == [runtime.network_name]


def test_backend_keeps_its_keys_and_port_across_stop_and_start(runtime: DockerRuntime) -> None:
    backend = _backend(runtime)
    with backend:
        created = json.loads(backend.run_cli(["keys", "create", "--role", "viewer", "--json"]))
        url = backend.base_url
        backend.stop()
        assert backend.exit_status() is not None
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/health", timeout=2)
        backend.start()
        assert backend.base_url == url
        listed = json.loads(backend.run_cli(["keys", "list", "--json"]))
    assert created["key_id"] in json.dumps(listed)


def test_evidence_holds_each_containers_state_and_log(
    runtime: DockerRuntime, tmp_path: Path
) -> None:
    backend = _backend(runtime)
    with backend:
        pass
    evidence = Evidence(tmp_path / "evidence", Redactor())
    runtime.collect_evidence(evidence)
    state = json.loads((evidence.root / "docker" / "backend.inspect.json").read_text())
    assert state["Name"] == f"/{backend.container_name}"
    assert (
        "Running on http://0.0.0.0:8080"
        in (evidence.root / "docker" / "backend.container.log").read_text()
    )
    assert "backend: exited, exit code 0" in (evidence.root / "docker" / "runtime.log").read_text()
