"""The process runtime: the backend and Debian's binaries as local processes on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from contract.errors import HarnessError
from contract.evidence import Evidence
from contract.leftovers import marker_env
from contract.ports import LOOPBACK, ensure_port_free, free_port
from contract.progress import Progress
from contract.runtime.base import Component, Launch
from contract.runtime.binaries import find_binary
from contract.spec import (
    ALERTMANAGER,
    BACKEND,
    GRAFANA,
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

STOP_GRACE_SECONDS = 5.0
CLI_TIMEOUT_SECONDS = 60.0
GRAFANA_HOME_DEFAULT = "/usr/share/grafana"
# Log lines by which a process tells it could not bind its port.
_BIND_FAILURES = ("address already in use", "bind: address", "errno 98")


class ProcessComponent(Component):
    """A component running as a local process in its own process group."""

    def __init__(
        self,
        launch: Launch,
        progress: Progress,
        *,
        argv: Sequence[str],
        listen: Endpoint,
        workdir: Path,
        log_path: Path,
        config_dir: Path | None = None,
    ) -> None:
        super().__init__(launch, progress)
        self.argv = list(argv)
        self.listen = listen
        self.workdir = workdir
        self.log_path = log_path
        self.config_dir = config_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return self.listen.url()

    def child_env(self) -> dict[str, str]:
        """Return the environment the process runs with (the harness's own TECHNO_* removed)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TECHNO_")}
        env.update(self.launch.env)
        env.update(marker_env())  # lets a later run stop us if this harness dies unclean
        return env

    def _spawn(self) -> None:
        ensure_port_free(self.listen.port, self.name, self.listen.host)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        try:
            self._process = subprocess.Popen(
                self.argv,
                cwd=self.workdir,
                env=self.child_env(),
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                # Own process group: Ctrl-C on the terminal reaches only the harness, which
                # then stops the group (children of the component included).
                start_new_session=True,
            )
        except OSError as exc:
            raise HarnessError(self.name, f"cannot execute {self.argv[0]}: {exc.strerror}") from exc

    def exit_status(self) -> str | None:
        if self._process is None:
            return "not started"
        code = self._process.poll()
        if code is None:
            return None
        tail = self.log_tail().lower()
        if any(marker in tail for marker in _BIND_FAILURES):
            return f"port clash: {self.listen.netloc} already in use (exited with code {code})"
        return f"exited with code {code}"

    def logs(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            _stop_group(process)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def write_config(self, files: Mapping[str, str]) -> None:
        if self.config_dir is None:
            super().write_config(files)
            return
        for relative, text in files.items():
            target = self.config_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so the component never reads a half-written file.
            staged = target.with_name(target.name + ".new")
            staged.write_text(text, encoding="utf-8")
            staged.replace(target)

    def run_shell(self, script: str) -> str:
        return self._run(["sh", "-c", script], f"shell step `{script}`")

    def run_cli(self, args: Sequence[str]) -> str:
        if self.name != BACKEND:
            return super().run_cli(args)
        return self._run(
            [sys.executable, "-m", "service", *args], f"`service {' '.join(args[:2])}`"
        )

    def _run(self, argv: list[str], what: str) -> str:
        """Run argv beside the component and return its stdout, failing with its stderr."""
        try:
            done = subprocess.run(
                argv,
                cwd=self.workdir,
                env=self.child_env(),
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise HarnessError(self.name, f"{what} timed out") from exc
        if done.returncode != 0:
            # stderr carries the reason, never a secret (`keys create` prints it on stdout).
            raise HarnessError(self.name, f"{what} failed: {done.stderr.strip()[-500:]}")
        return done.stdout


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL it if it outlives the grace period."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(STOP_GRACE_SECONDS)
    # Kill the whole group even when the leader has exited: its children may not have.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class ProcessRuntime:
    """Run every component as a local process bound to a free loopback port."""

    name = "process"

    def __init__(self, workdir: Path, environ: Mapping[str, str] | None = None) -> None:
        self.workdir = workdir
        self.environ = dict(os.environ if environ is None else environ)
        self._placement: Placement | None = None

    def place(self, spec: StackSpec) -> Placement:
        endpoints = {c.name: Endpoint(LOOPBACK, free_port()) for c in spec.components}
        self._placement = Placement(
            internal=endpoints,
            listen=endpoints,
            artifact_root=spec.artifacts.root.resolve(),
            data_dirs={c.name: self.workdir / c.name / "data" for c in spec.components},
            config_dirs={c.name: self.workdir / c.name / "config" for c in spec.components},
        )
        return self._placement

    def create(self, launch: Launch, progress: Progress) -> Component:
        placement = self._placement
        if placement is None:
            raise RuntimeError("place() must run before create()")
        name = launch.spec.name
        listen = placement.listen[name]
        if name == WEBHOOK:
            return WebhookReceiver(launch, progress, listen, listen)
        if name == UPSTREAM:
            return ChatUpstream(launch, progress, listen, listen)
        config = Path(placement.config_dirs[name])
        data = Path(placement.data_dirs[name])
        for relative, text in launch.rendered.files.items():
            target = config / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        data.mkdir(parents=True, exist_ok=True)
        return ProcessComponent(
            launch,
            progress,
            argv=self.argv_for(name, listen, config, data),
            listen=listen,
            workdir=self.workdir / name,
            log_path=self.workdir / f"{name}.log",
            config_dir=config,
        )

    def argv_for(self, name: str, listen: Endpoint, config: Path, data: Path) -> list[str]:
        """Return the command line that starts the named component."""
        if name == BACKEND:
            return [sys.executable, "-m", "service", "serve"]
        if name == PROMETHEUS:
            binary = find_binary(name, "prometheus", environ=self.environ)
            return [
                str(binary),
                f"--config.file={config / 'prometheus.yml'}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address={listen.netloc}",
                *PROMETHEUS_FLAGS,
            ]
        if name == ALERTMANAGER:
            binary = find_binary(name, "prometheus-alertmanager", environ=self.environ)
            return [
                str(binary),
                f"--config.file={config / 'alertmanager.yml'}",
                f"--storage.path={data}",
                f"--web.listen-address={listen.netloc}",
                # Empty disables gossip: a single instance needs no cluster port.
                "--cluster.listen-address=",
            ]
        if name == GRAFANA:
            binary = find_binary(
                name, "grafana-server", env_var="TECHNO_GRAFANA_BIN", environ=self.environ
            )
            home = self.environ.get("TECHNO_GRAFANA_HOMEPATH", GRAFANA_HOME_DEFAULT)
            # The unified `grafana` binary takes a `server` subcommand; `grafana-server` does not.
            sub = ["server"] if binary.name == "grafana" else []
            return [str(binary), *sub, f"--homepath={home}", f"--config={config / 'grafana.ini'}"]
        raise HarnessError(name, "the process runtime does not know this component")

    def collect_evidence(self, evidence: Evidence) -> None:
        """Nothing beyond the component logs the stack saves."""

    def close(self) -> None:
        """Nothing to free beyond the work dir, which the caller owns."""
