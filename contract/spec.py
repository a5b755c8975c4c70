"""The runtime-independent stack spec: components, their configs and readiness endpoints."""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import yaml

from contract.artifacts import ArtifactTree, load_yaml
from contract.durations import duration_seconds
from contract.errors import ConfigError
from contract.rewrite import (
    AddressMap,
    Rewrite,
    rewrite_alertmanager,
    rewrite_grafana_dashboards,
    rewrite_grafana_datasources,
    rewrite_grafana_ini,
    rewrite_prometheus,
)

BACKEND = "backend"
WEBHOOK = "webhook"
ALERTMANAGER = "alertmanager"
PROMETHEUS = "prometheus"
GRAFANA = "grafana"
UPSTREAM = "upstream"
PROMETHEUS_DRILL_FILE = "prometheus-drill.yml"
# Prometheus flags both runtimes pass, beside the config, data and listen flags.
PROMETHEUS_FLAGS = (
    # POST /-/reload: the fire drill swaps in the drill rules and removes a target.
    "--web.enable-lifecycle",
    # An alert that fired before the notifier found Alertmanager (the Watchdog, at the
    # first evaluation) is otherwise sent again only after the default 1m resend delay.
    # Not lower: Prometheus sends each alert valid for 4x this delay, and a reload that
    # pauses the notifier longer than that makes Alertmanager resolve it.
    "--rules.alert.resend-delay=10s",
)
# Servers the harness runs itself (threads of the harness), not processes or containers.
HARNESS_SIDE = frozenset({WEBHOOK, UPSTREAM})


@dataclass(frozen=True)
class Endpoint:
    """A host and port one party uses to reach a component."""

    host: str
    port: int

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str = "") -> str:
        """Return the http URL of path on this endpoint."""
        return f"http://{self.netloc}{path}"


@dataclass(frozen=True)
class ComponentSpec:
    """One stack component as the committed configs know it."""

    name: str
    # The port the committed configs use for it (and the port inside a container).
    default_port: int
    readiness_path: str


# Start order: what a component talks to starts before it.
COMPONENTS: tuple[ComponentSpec, ...] = (
    # The chat executor's upstream (an OpenAI-compatible endpoint the harness runs).
    ComponentSpec(UPSTREAM, 9096, "/-/ready"),
    ComponentSpec(BACKEND, 8080, "/ready"),
    ComponentSpec(WEBHOOK, 9095, "/-/ready"),
    ComponentSpec(ALERTMANAGER, 9093, "/-/ready"),
    ComponentSpec(PROMETHEUS, 9090, "/-/ready"),
    ComponentSpec(GRAFANA, 3000, "/api/health"),
)


@dataclass(frozen=True)
class Placement:
    """Where a runtime puts the components: addresses, and paths as each component sees them."""

    # How components reach each other (loopback ports, or container names).
    internal: Mapping[str, Endpoint]
    # What each component binds to.
    listen: Mapping[str, Endpoint]
    artifact_root: PurePath
    data_dirs: Mapping[str, PurePath]
    config_dirs: Mapping[str, PurePath]


@dataclass(frozen=True)
class Rendered:
    """A component's config files for this run (relative name → text) and what changed."""

    files: dict[str, str]
    rewrites: list[Rewrite] = field(default_factory=list)


@dataclass(frozen=True)
class GrafanaSettings:
    """Per-run Grafana credentials (the password reaches Grafana by env and is redacted)."""

    admin_user: str
    admin_password: str

    def env(self) -> dict[str, str]:
        """Return the environment the generated grafana.ini reads the password from."""
        return {"GF_SECURITY_ADMIN_PASSWORD": self.admin_password}


def grafana_admin_user(tree: ArtifactTree) -> str:
    """Return the admin user the generated grafana.ini names (Grafana's default: admin)."""
    parser = configparser.ConfigParser(interpolation=None)
    path = tree.grafana_dir / "grafana.ini"
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, configparser.Error) as exc:
        raise ConfigError(GRAFANA, f"cannot read {path}: {exc}") from exc
    return parser.get("security", "admin_user", fallback="admin")


@dataclass(frozen=True)
class StackSpec:
    """The components to run and their committed configs, loaded once."""

    artifacts: ArtifactTree
    components: tuple[ComponentSpec, ...]
    prometheus: Mapping[str, Any]
    alertmanager: Mapping[str, Any]
    # deploy/prometheus/prometheus-drill.yml: the same stack with the time-scaled rules.
    prometheus_drill: Mapping[str, Any] = field(default_factory=dict)

    def component(self, name: str) -> ComponentSpec:
        """Return the named component's spec."""
        for spec in self.components:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def has(self, name: str) -> bool:
        """Return whether the run includes the named component."""
        return any(spec.name == name for spec in self.components)

    def address_map(self, placement: Placement) -> AddressMap:
        """Map each component's committed default port to its run address."""
        return AddressMap(
            {spec.default_port: placement.internal[spec.name].netloc for spec in self.components}
        )

    def render(self, name: str, placement: Placement) -> Rendered:
        """Return the named component's rewritten config files for this placement."""
        addresses = self.address_map(placement)
        tree = self.artifacts
        if name == PROMETHEUS:
            config, notes = self._prometheus(self.prometheus, tree.prometheus_config, placement)
            drill, drill_notes = self._prometheus(
                self.prometheus_drill, tree.prometheus_drill_config, placement
            )
            files = {"prometheus.yml": _dump(config), PROMETHEUS_DRILL_FILE: _dump(drill)}
            return Rendered(files, notes + drill_notes)
        if name == ALERTMANAGER:
            config, notes = rewrite_alertmanager(
                self.alertmanager,
                file=tree.relative(tree.alertmanager_config),
                addresses=addresses,
                capture_url=f"http://{placement.internal[WEBHOOK].netloc}/alerts",
            )
            return Rendered({"alertmanager.yml": _dump(config)}, notes)
        if name == GRAFANA:
            return self._render_grafana(placement, addresses)
        return Rendered({})

    def _prometheus(
        self, config: Mapping[str, Any], path: Path, placement: Placement
    ) -> tuple[dict[str, Any], list[Rewrite]]:
        tree = self.artifacts
        return rewrite_prometheus(
            config,
            file=tree.relative(path),
            config_dir=tree.relative(path.parent),
            artifact_root=placement.artifact_root,
            addresses=self.address_map(placement),
        )

    def render_prometheus_drill(self, placement: Placement, *, without_job: str = "") -> str:
        """Return the drill Prometheus config for this run, optionally with a job's targets gone."""
        config, _ = self._prometheus(
            self.prometheus_drill, self.artifacts.prometheus_drill_config, placement
        )
        for job in config.get("scrape_configs") or []:
            if job.get("job_name") == without_job:
                job["static_configs"] = [{"targets": []}]
        return _dump(config)

    def _render_grafana(self, placement: Placement, addresses: AddressMap) -> Rendered:
        tree = self.artifacts
        files: dict[str, str] = {}
        notes: list[Rewrite] = []
        ini_path = tree.grafana_dir / "grafana.ini"
        if not ini_path.is_file():
            raise ConfigError(GRAFANA, f"{ini_path} does not exist")
        data = placement.data_dirs[GRAFANA]
        listen = placement.listen[GRAFANA]
        ini, ini_notes = rewrite_grafana_ini(
            ini_path.read_text(encoding="utf-8"),
            file=tree.relative(ini_path),
            settings={
                ("server", "http_addr"): listen.host,
                ("server", "http_port"): str(listen.port),
                ("paths", "data"): str(data / "data"),
                ("paths", "logs"): str(data / "logs"),
                ("paths", "plugins"): str(data / "plugins"),
                ("paths", "provisioning"): str(placement.config_dirs[GRAFANA] / "provisioning"),
            },
        )
        files["grafana.ini"] = ini
        notes += ini_notes
        provisioning = tree.grafana_dir / "provisioning"
        datasources = self.grafana_datasources(addresses)
        files.update(datasources.files)
        notes += datasources.rewrites
        for path in tree.files(provisioning / "dashboards", "*.yml", GRAFANA):
            config, more = rewrite_grafana_dashboards(
                load_yaml(path, GRAFANA),
                file=tree.relative(path),
                dashboards_dir=placement.artifact_root / tree.relative(tree.dashboards_dir),
            )
            files[f"provisioning/dashboards/{path.name}"] = _dump(config)
            notes += more
        return Rendered(files, notes)

    def grafana_datasources(self, addresses: AddressMap) -> Rendered:
        """Render the datasource provisioning Grafana loads (no Grafana needs to run)."""
        tree = self.artifacts
        files: dict[str, str] = {}
        notes: list[Rewrite] = []
        directory = tree.grafana_dir / "provisioning" / "datasources"
        for path in tree.files(directory, "*.yml", GRAFANA):
            config, more = rewrite_grafana_datasources(
                load_yaml(path, GRAFANA), file=tree.relative(path), addresses=addresses
            )
            files[f"provisioning/datasources/{path.name}"] = _dump(config)
            notes += more
        return Rendered(files, notes)

    def scrape_interval_seconds(self) -> float:
        """Return the generated global scrape interval (Prometheus's default: 1m)."""
        return duration_seconds(
            str((self.prometheus.get("global") or {}).get("scrape_interval", "1m"))
        )

    def scrape_jobs(self) -> list[str]:
        """Return the job names of the generated scrape config."""
        return [str(job["job_name"]) for job in self.prometheus.get("scrape_configs") or []]


def backend_env(placement: Placement) -> dict[str, str]:
    """Return the backend's listen address and data dir for this placement, as TECHNO_* env."""
    listen = placement.listen[BACKEND]
    return {
        "TECHNO_HOST": listen.host,
        "TECHNO_PORT": str(listen.port),
        "TECHNO_DATA_DIR": str(placement.data_dirs[BACKEND]),
    }


def build_stack_spec(tree: ArtifactTree, *, include_grafana: bool) -> StackSpec:
    """Load the committed configs from the artifact tree; fail if any is missing or invalid."""
    if not tree.root.is_dir():
        raise ConfigError("artifacts", f"artifact root {tree.root} is not a directory")
    components = tuple(c for c in COMPONENTS if include_grafana or c.name != GRAFANA)
    return StackSpec(
        artifacts=tree,
        components=components,
        prometheus=load_yaml(tree.prometheus_config, PROMETHEUS),
        alertmanager=load_yaml(tree.alertmanager_config, ALERTMANAGER),
        prometheus_drill=load_yaml(tree.prometheus_drill_config, PROMETHEUS),
    )


def _dump(config: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(config), sort_keys=False, default_flow_style=False)
