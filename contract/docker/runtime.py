"""The docker runtime: every component a labelled container on a private per-run network."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

import docker

from contract.docker.archive import ConfigArchive
from contract.docker.build import OFFICIAL_PYTHON, REPO_ROOT, ImageBuilder, backend_recipe
from contract.docker.client import connect
from contract.docker.component import ContainerPlan, DockerComponent
from contract.docker.images import ImageChoice, choose_image, require_image
from contract.docker.naming import LOCAL_PYTHON, new_run_id, resource_name, run_labels
from contract.docker.resources import (
    find_resources,
    remove_run,
    remove_stale_runs,
    save_state,
)
from contract.errors import HarnessError
from contract.evidence import Evidence
from contract.ports import free_port
from contract.progress import Progress
from contract.runtime.base import Component, Launch
from contract.spec import (
    ALERTMANAGER,
    BACKEND,
    GRAFANA,
    HARNESS_SIDE,
    PROMETHEUS,
    PROMETHEUS_FLAGS,
    UPSTREAM,
    WEBHOOK,
    Endpoint,
    Placement,
    StackSpec,
)
from contract.upstream import ChatUpstream
from contract.webhook import WebhookReceiver

ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - inside a container, reachable only via the run network
CONFIG_ROOT = PurePosixPath("/etc/techno")
ARTIFACT_ROOT = CONFIG_ROOT / "artifacts"
# Alertmanager reaches the harness's webhook receiver under this name; it resolves
# to the host side (gateway) of the run's own network, where the receiver listens.
HOST_ALIAS = "host.docker.internal"
DATA_DIRS = {
    BACKEND: PurePosixPath("/var/lib/techno"),
    PROMETHEUS: PurePosixPath("/prometheus"),
    ALERTMANAGER: PurePosixPath("/alertmanager"),
    GRAFANA: PurePosixPath("/var/lib/grafana"),
    WEBHOOK: PurePosixPath("/nonexistent"),
    UPSTREAM: PurePosixPath("/nonexistent"),
}


class DockerRuntime:
    """Run the stack as containers through the docker SDK; remove all of it at close."""

    name = "docker"

    def __init__(
        self,
        workdir: Path,
        *,
        environ: Mapping[str, str] | None = None,
        evidence: Evidence | None = None,
        image_overrides: Mapping[str, str] | None = None,
        client: docker.DockerClient | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.workdir = workdir
        self.environ = dict(os.environ if environ is None else environ)
        self.evidence = evidence
        self.image_overrides = dict(image_overrides or {})
        self.run_id = new_run_id()
        self.network_name = resource_name(self.run_id, "net")
        self.progress = progress or Progress()
        self._said: list[str] = []
        self._client = client
        self._images: dict[str, ImageChoice] = {}
        self._placement: Placement | None = None
        self._spec: StackSpec | None = None
        self._published: dict[str, int] = {}
        self._gateway = ""
        self._collected = False

    @property
    def client(self) -> docker.DockerClient:
        """Return the docker client, connecting on first use."""
        if self._client is None:
            self._client = connect()
        return self._client

    def _say(self, message: str) -> None:
        self._said.append(message)
        self.progress.say("docker", message)

    def place(self, spec: StackSpec) -> Placement:
        """Clean stale runs, resolve images, create the network, and choose every address."""
        remove_stale_runs(self.client, self._say)
        self._resolve_images(spec)
        self._create_network()
        published = {c.name: free_port() for c in spec.components if c.name not in HARNESS_SIDE}
        internal = {
            c.name: Endpoint(resource_name(self.run_id, c.name), c.default_port)
            for c in spec.components
        }
        listen = {c.name: Endpoint(ANY_ADDRESS, c.default_port) for c in spec.components}
        # The harness's own servers listen on the host side (gateway) of the run network.
        for name in sorted(HARNESS_SIDE):
            if spec.has(name):
                port = free_port(self._gateway)
                internal[name] = Endpoint(HOST_ALIAS, port)
                listen[name] = Endpoint(self._gateway, port)
        self._published = published
        self._placement = Placement(
            internal=internal,
            listen=listen,
            artifact_root=ARTIFACT_ROOT,
            data_dirs={c.name: DATA_DIRS[c.name] for c in spec.components},
            config_dirs={c.name: CONFIG_ROOT / c.name for c in spec.components},
        )
        self._spec = spec
        return self._placement

    def _resolve_images(self, spec: StackSpec) -> None:
        for component in spec.components:
            if component.name in HARNESS_SIDE:
                continue
            choice = choose_image(self.client, component.name, self.environ, self.image_overrides)
            if component.name == BACKEND and not choice.explicit:
                self._ensure_backend_image()
            image_id = require_image(self.client, choice)
            self._images[component.name] = choice
            self._say(f"{component.name}: {choice.image} ({choice.reason}, {image_id[7:19]})")

    def _ensure_backend_image(self) -> None:
        """Rebuild the backend image when the source changed since it was built."""
        base = LOCAL_PYTHON
        if not self.client.images.list(name=LOCAL_PYTHON):
            base = OFFICIAL_PYTHON
        builder = ImageBuilder(self.client, lambda tag, msg: self.progress.say(tag, msg))
        builder.ensure(backend_recipe(REPO_ROOT, base))

    def _create_network(self) -> None:
        network = self.client.networks.create(
            self.network_name, driver="bridge", labels=run_labels(self.run_id), check_duplicate=True
        )
        network.reload()
        configs = network.attrs.get("IPAM", {}).get("Config") or []
        gateway = next((c.get("Gateway") for c in configs if c.get("Gateway")), "")
        if not gateway:
            raise HarnessError("docker", f"network {self.network_name} has no gateway address")
        self._gateway = str(gateway).split("/")[0]
        self._say(f"created network {self.network_name} (gateway {self._gateway})")

    def create(self, launch: Launch, progress: Progress) -> Component:
        """Return the component for launch: a container, or the host-side webhook receiver."""
        placement = self._placement
        if placement is None:
            raise RuntimeError("place() must run before create()")
        name = launch.spec.name
        if name == WEBHOOK:
            listen = placement.listen[WEBHOOK]
            return WebhookReceiver(launch, progress, listen, listen)
        if name == UPSTREAM:
            listen = placement.listen[UPSTREAM]
            return ChatUpstream(launch, progress, listen, listen)
        plan = self._plan(name, launch, placement)
        return DockerComponent(
            launch,
            progress,
            client=self.client,
            run_id=self.run_id,
            network=self.network_name,
            plan=plan,
        )

    def _plan(self, name: str, launch: Launch, placement: Placement) -> ContainerPlan:
        archive = ConfigArchive()
        config = PurePosixPath(placement.config_dirs[name])
        archive.add_all({config / rel: text for rel, text in launch.rendered.files.items()})
        data = placement.data_dirs[name]
        ports = {launch.spec.default_port: self._published[name]}
        image = self._images[name].image
        assert self._spec is not None, "place() sets the spec"
        tree = self._spec.artifacts
        hosts = {HOST_ALIAS: self._gateway}
        if name == BACKEND:
            # The chat executor's upstream is a harness server on the gateway.
            return ContainerPlan(
                image, [], ports, dict(launch.env), extra_hosts=hosts, config_dir=config
            )
        if name == PROMETHEUS:
            archive.add_tree(tree.alerts_dir, ARTIFACT_ROOT / "alerts", ["*.yml", "*.yaml"])
            archive.add_tree(tree.drill_alerts_dir, ARTIFACT_ROOT / "alerts" / "drill", ["*.yml"])
            command = [
                f"--config.file={config / 'prometheus.yml'}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address={ANY_ADDRESS}:{launch.spec.default_port}",
                *PROMETHEUS_FLAGS,
            ]
            return ContainerPlan(
                image, command, ports, launch.env, config_tar=archive.tar(), config_dir=config
            )
        if name == ALERTMANAGER:
            command = [
                f"--config.file={config / 'alertmanager.yml'}",
                f"--storage.path={data}",
                f"--web.listen-address={ANY_ADDRESS}:{launch.spec.default_port}",
                # Empty disables gossip: a single instance needs no cluster port.
                "--cluster.listen-address=",
            ]
            return ContainerPlan(
                image, command, ports, launch.env, extra_hosts=hosts, config_tar=archive.tar()
            )
        if name == GRAFANA:
            archive.add_tree(tree.dashboards_dir, ARTIFACT_ROOT / "dashboards", ["*.json"])
            # The official image's entrypoint reads its paths from GF_PATHS_*; keep them
            # equal to what the rendered grafana.ini says.
            environment = {
                **launch.env,
                "GF_PATHS_CONFIG": str(config / "grafana.ini"),
                "GF_PATHS_PROVISIONING": str(config / "provisioning"),
                "GF_PATHS_DATA": str(data / "data"),
                "GF_PATHS_LOGS": str(data / "logs"),
                "GF_PATHS_PLUGINS": str(data / "plugins"),
            }
            return ContainerPlan(image, [], ports, environment, config_tar=archive.tar())
        raise HarnessError(name, "the docker runtime does not know this component")

    def collect_evidence(self, evidence: Evidence) -> None:
        """Save every container's log and inspect state, and the network's, under docker/."""
        if self._client is None:
            return  # never connected: nothing was created
        states = save_state(
            self.client, self.run_id, lambda rel, text: evidence.write_text(f"docker/{rel}", text)
        )
        self._collected = True
        for state in states:
            self._say(f"container {state}")
        if states:
            self._say(f"saved logs and inspect state of {len(states)} container(s) under docker/")
        evidence.write_text("docker/runtime.log", "\n".join(self._said) + "\n")

    def close(self) -> None:
        """Remove the run's containers (with their anonymous volumes) and network; verify."""
        if self._client is None:
            return
        try:
            if self.evidence is not None and not self._collected:
                self.collect_evidence(self.evidence)
        finally:
            problems = remove_run(self.client, self.run_id)
            left = find_resources(self.client, self.run_id)
            if problems or left:
                raise HarnessError(
                    "docker",
                    f"run {self.run_id} left resources behind: {left.describe()} "
                    f"({'; '.join(problems)})",
                )
            self._say(f"removed the containers and network of run {self.run_id}")
