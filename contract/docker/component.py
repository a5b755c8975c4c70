"""One stack component as a docker container: created once, started and stopped in place."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import docker
from docker.errors import APIError, NotFound
from docker.models.containers import Container

from contract.docker.archive import ConfigArchive
from contract.docker.naming import resource_name, run_labels
from contract.docker.resources import describe_state
from contract.errors import HarnessError, ReadinessError
from contract.ports import LOOPBACK
from contract.progress import Progress
from contract.runtime.base import Component, Launch
from contract.spec import BACKEND

STOP_GRACE_SECONDS = 5
HEALTH_POLL_SECONDS = 0.25
# During a run the image's HEALTHCHECK is probed every second, so readiness
# does not wait out the production interval.
RUN_HEALTHCHECK_INTERVAL_NS = 1_000_000_000


@dataclass(frozen=True)
class ContainerPlan:
    """How to create one component's container."""

    image: str
    command: Sequence[str]
    # Container port → host port published on 127.0.0.1.
    ports: Mapping[int, int]
    environment: Mapping[str, str] = field(default_factory=dict)
    extra_hosts: Mapping[str, str] = field(default_factory=dict)
    # The config tar extracted at '/' before the first start.
    config_tar: bytes = b""
    # Where the component's config files live inside the container (for write_config).
    config_dir: PurePosixPath | None = None


class DockerComponent(Component):
    """A component in a labelled container on the run's network, reached on 127.0.0.1."""

    def __init__(
        self,
        launch: Launch,
        progress: Progress,
        *,
        client: docker.DockerClient,
        run_id: str,
        network: str,
        plan: ContainerPlan,
    ) -> None:
        super().__init__(launch, progress)
        self.client = client
        self.run_id = run_id
        self.network = network
        self.plan = plan
        self.container_name = resource_name(run_id, self.name)
        self._container: Container | None = None
        self._last_logs = ""

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.plan.ports[self.spec.default_port]}"

    @property
    def container(self) -> Container:
        """Return the component's container (it must have been created)."""
        if self._container is None:
            raise HarnessError(self.name, f"container {self.container_name} was never created")
        return self._container

    def _create(self) -> Container:
        healthcheck = None
        if self._image_healthcheck():
            healthcheck = {"interval": RUN_HEALTHCHECK_INTERVAL_NS}
        try:
            container = self.client.containers.create(
                self.plan.image,
                # The image's entrypoint is the binary (official and local images
                # alike); the command is the full flag list, so both run the same way.
                command=list(self.plan.command),
                name=self.container_name,
                hostname=self.name,
                labels=run_labels(self.run_id, self.name),
                environment=dict(self.plan.environment),
                network=self.network,
                ports={
                    f"{inner}/tcp": (LOOPBACK, outer) for inner, outer in self.plan.ports.items()
                },
                extra_hosts=dict(self.plan.extra_hosts) or None,
                healthcheck=healthcheck,
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                detach=True,
            )
        except APIError as exc:
            raise HarnessError(
                self.name,
                f"cannot create container {self.container_name}: {exc.explanation or exc}",
            ) from exc
        if self.plan.config_tar:
            container.put_archive("/", self.plan.config_tar)
        return container

    def _image_healthcheck(self) -> bool:
        config: dict[str, Any] = self.client.images.get(self.plan.image).attrs.get("Config") or {}
        test = (config.get("Healthcheck") or {}).get("Test") or []
        return bool(test) and test[0] != "NONE"

    def _spawn(self) -> None:
        if self._container is None:
            self._container = self._create()
        try:
            self._container.start()
        except APIError as exc:
            # e.g. "port is already allocated": another process took the published port.
            raise HarnessError(
                self.name, f"cannot start container {self.container_name}: {exc.explanation or exc}"
            ) from exc

    def _wait_ready(self) -> None:
        started = time.monotonic()
        super()._wait_ready()
        if self._image_healthcheck():
            self._wait_healthy(self.launch.ready_timeout - (time.monotonic() - started))

    def _wait_healthy(self, budget: float) -> None:
        deadline = time.monotonic() + max(budget, 5.0)
        status = "unknown"
        while time.monotonic() < deadline:
            self.container.reload()
            status = str(self.container.attrs["State"].get("Health", {}).get("Status", "none"))
            if status == "healthy":
                return
            gone = self.exit_status()
            if gone is not None:
                raise ReadinessError(
                    self.name, f"{gone} before its HEALTHCHECK passed", self.log_tail()
                )
            time.sleep(HEALTH_POLL_SECONDS)
        raise ReadinessError(
            self.name, f"container HEALTHCHECK still {status} after {budget:.0f}s", self.log_tail()
        )

    def exit_status(self) -> str | None:
        if self._container is None:
            return "not created"
        try:
            self._container.reload()
        except NotFound:
            return f"container {self.container_name} was removed"
        state = self._container.attrs["State"]
        if state.get("Running"):
            return None
        return f"container {self.container_name} {describe_state(state)}"

    def logs(self) -> str:
        if self._container is None:
            return self._last_logs
        try:
            raw: bytes = self._container.logs(stdout=True, stderr=True)
        except (NotFound, APIError):
            return self._last_logs
        self._last_logs = raw.decode("utf-8", errors="replace")
        return self._last_logs

    def _terminate(self) -> None:
        # Stop in place: the container keeps its writable layer (the backend's
        # keys and audit log) for a restart; the runtime removes it at close.
        if self._container is None:
            return
        try:
            self._container.reload()
            if self._container.attrs["State"].get("Running"):
                self._container.stop(timeout=STOP_GRACE_SECONDS)
        except NotFound:
            return
        except APIError as exc:
            self.progress.say(self.name, f"could not stop {self.container_name}: {exc.explanation}")
        self.logs()

    def kill(self) -> None:
        """SIGKILL the container (fault injection): no grace, no restart."""
        self.container.kill()

    def write_config(self, files: Mapping[str, str]) -> None:
        if self.plan.config_dir is None:
            super().write_config(files)
            return
        archive = ConfigArchive()
        archive.add_all({self.plan.config_dir / rel: text for rel, text in files.items()})
        if not self.container.put_archive("/", archive.tar()):
            raise HarnessError(self.name, f"could not copy {sorted(files)} into the container")

    def run_shell(self, script: str) -> str:
        result = self.container.exec_run(["sh", "-c", script], demux=True)
        stdout, stderr = result.output
        if result.exit_code != 0:
            reason = (stderr or b"").decode("utf-8", errors="replace").strip()[-300:]
            raise HarnessError(
                self.name, f"shell step failed ({result.exit_code}): {script}: {reason}"
            )
        return (stdout or b"").decode("utf-8", errors="replace")

    def run_cli(self, args: Sequence[str]) -> str:
        if self.name != BACKEND:
            return super().run_cli(args)
        result = self.container.exec_run(["python", "-m", "service", *args], demux=True)
        stdout, stderr = result.output
        if result.exit_code != 0:
            # stderr carries the reason, never the secret (it is printed on stdout only).
            reason = (stderr or b"").decode("utf-8", errors="replace").strip()[-500:]
            raise HarnessError(self.name, f"`service {' '.join(args[:2])}` failed: {reason}")
        return (stdout or b"").decode("utf-8", errors="replace")
