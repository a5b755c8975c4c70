"""Routing: a deployed Alertmanager's loaded config sends each alert where the catalog says."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

AMTOOL = "amtool"
AMTOOL_TIMEOUT_SECONDS = 20.0


class AmtoolError(Exception):
    """amtool is missing or could not read a config; the message says which and why."""


@dataclass(frozen=True)
class AlertLabels:
    """The labels an alert reaches Alertmanager with, as far as the rule file fixes them."""

    alert: str
    labels: tuple[tuple[str, str], ...]

    def argv(self) -> list[str]:
        """Return the labels as amtool's `name=value` arguments."""
        return [f"alertname={self.alert}", *(f"{k}={v}" for k, v in self.labels)]


def alert_labels(groups: Mapping[str, list[dict[str, Any]]]) -> list[AlertLabels]:
    """Return every generated alert with its static labels."""
    return [
        AlertLabels(
            str(rule["alert"]),
            tuple(sorted((str(k), str(v)) for k, v in (rule.get("labels") or {}).items())),
        )
        for rules in groups.values()
        for rule in rules
        if "alert" in rule
    ]


def route_receivers(config_text: str, alerts: list[AlertLabels]) -> dict[str, str]:
    """Return alert → the receiver(s) amtool's `config routes test` picks in config_text."""
    if shutil.which(AMTOOL) is None:
        raise AmtoolError(f"{AMTOOL} is not on PATH (Debian: prometheus-alertmanager)")
    with tempfile.TemporaryDirectory(prefix="techno-routes-") as folder:
        path = Path(folder) / "alertmanager.yml"
        path.write_text(config_text, encoding="utf-8")
        return {alert.alert: _amtool_route(path, alert) for alert in alerts}


def _amtool_route(path: Path, alert: AlertLabels) -> str:
    argv = [AMTOOL, "config", "routes", "test", f"--config.file={path}", *alert.argv()]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=AMTOOL_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AmtoolError(f"`amtool config routes test` failed to run: {exc}") from exc
    if done.returncode != 0:
        # stderr names the config problem; the config holds no secret (the API redacts them).
        raise AmtoolError(f"`amtool config routes test` rejected the config: {done.stderr.strip()}")
    return done.stdout.strip()


def route_problems(expected: Mapping[str, str], loaded: Mapping[str, str]) -> list[str]:
    """Return every alert the loaded config routes to another receiver than the generated one."""
    return [
        f"alert {alert!r} routes to {loaded.get(alert)!r}, the catalog routes it to {receiver!r}"
        for alert, receiver in sorted(expected.items())
        if loaded.get(alert) != receiver
    ]


def receiver_problems(loaded_config: Mapping[str, Any], expected: Mapping[str, str]) -> list[str]:
    """Return every catalog receiver the loaded config does not define."""
    defined = {str(r.get("name")) for r in loaded_config.get("receivers") or []}
    wanted = {name for receivers in expected.values() for name in receivers.split(",")}
    return [
        f"receiver {name!r} is not defined in the loaded config"
        for name in sorted(wanted - defined)
    ]


def loaded_config(status: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return the original config text of /api/v2/status and its parsed form."""
    text = str((status.get("config") or {}).get("original") or "")
    if not text:
        raise ValueError("/api/v2/status holds no config.original")
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"config.original is not YAML: {exc}") from exc
    if not isinstance(parsed, dict):
        raise ValueError("config.original is not a YAML mapping")
    return text, parsed


def cluster_problems(statuses: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Return what is wrong with the cluster the Alertmanagers form (several must be peers)."""
    if len(statuses) < 2:
        return []
    problems: list[str] = []
    for name, status in statuses.items():
        cluster = status.get("cluster") or {}
        state = cluster.get("status")
        peers = cluster.get("peers") or []
        if state != "ready":
            problems.append(f"{name}: cluster status is {state!r}, not 'ready'")
        if len(peers) != len(statuses):
            problems.append(
                f"{name}: sees {len(peers)} cluster peer(s), STACK.yaml names {len(statuses)}"
            )
    return problems
