"""The generated artifact tree a run proves: alerts/, dashboards/, runbooks/ and deploy/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from contract.errors import ConfigError

REGENERATE_HINT = "run `python -m obs generate` (or `nox -s generate`) to produce it"


@dataclass(frozen=True)
class ArtifactTree:
    """Paths of the generated artifacts under one root (the repo, or a copy for fault tests)."""

    root: Path

    @property
    def prometheus_config(self) -> Path:
        return self.root / "deploy" / "prometheus" / "prometheus.yml"

    @property
    def prometheus_drill_config(self) -> Path:
        return self.root / "deploy" / "prometheus" / "prometheus-drill.yml"

    @property
    def drill_alerts_dir(self) -> Path:
        return self.root / "alerts" / "drill"

    @property
    def alertmanager_config(self) -> Path:
        return self.root / "deploy" / "alertmanager" / "alertmanager.yml"

    @property
    def grafana_dir(self) -> Path:
        return self.root / "deploy" / "grafana"

    @property
    def alerts_dir(self) -> Path:
        return self.root / "alerts"

    @property
    def dashboards_dir(self) -> Path:
        return self.root / "dashboards"

    @property
    def runbooks_dir(self) -> Path:
        return self.root / "runbooks"

    def relative(self, path: Path) -> str:
        """Return path relative to the root, as configs and messages spell it."""
        return path.relative_to(self.root).as_posix()

    def files(self, directory: Path, pattern: str, component: str) -> list[Path]:
        """Return the sorted files matching pattern, failing if there are none."""
        found = sorted(directory.glob(pattern))
        if not found:
            raise ConfigError(component, f"no {pattern} under {directory}; {REGENERATE_HINT}")
        return found

    def alert_files(self) -> list[Path]:
        # promtool unit tests live in alerts/tests/, outside this glob.
        return self.files(self.alerts_dir, "*.yml", "alerts")

    def dashboard_files(self) -> list[Path]:
        return self.files(self.dashboards_dir, "*.json", "dashboards")

    def runbook_files(self) -> list[Path]:
        return self.files(self.runbooks_dir, "*.md", "runbooks")


def load_yaml(path: Path, component: str) -> dict[str, Any]:
    """Load a YAML mapping, failing with an error naming the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(component, f"{path} does not exist; {REGENERATE_HINT}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(component, f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(component, f"{path} must hold a YAML mapping at top level")
    return data


def rule_groups(tree: ArtifactTree, *, drill: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Return every generated rule group name → its rules, across alerts/*.yml.

    With drill, the time-scaled copy under alerts/drill/ instead.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    files = tree.files(tree.drill_alerts_dir, "*.yml", "alerts") if drill else tree.alert_files()
    for path in files:
        for group in load_yaml(path, "alerts").get("groups") or []:
            groups[str(group["name"])] = list(group.get("rules") or [])
    return groups
