"""Safe by default: Grafana locked down, Prometheus and Alertmanager bound to loopback."""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from contract.artifacts import ArtifactTree
from contract.progress import Progress
from contract.runtime.base import Launch
from contract.runtime.process import ProcessComponent, ProcessRuntime
from contract.spec import (
    ALERTMANAGER,
    GRAFANA,
    PROMETHEUS,
    Placement,
    StackSpec,
    build_stack_spec,
)

ROOT = Path(__file__).resolve().parents[2]
# Grafana expands these at start; anything else in admin_password is a password on disk.
SECRET_REFERENCE = re.compile(r"^\$__(env|file)\{[^}]+\}$")


def _ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def _assert_grafana_locked(ini: configparser.ConfigParser, where: str) -> None:
    __tracebackhide__ = True
    assert ini.get("auth.anonymous", "enabled", fallback="").lower() == "false", where
    password = ini.get("security", "admin_password", fallback="")
    assert SECRET_REFERENCE.match(password), f"{where}: admin_password is a literal"
    assert ini.get("users", "allow_sign_up", fallback="").lower() == "false", where


def test_generated_grafana_ini_has_no_anonymous_access_and_no_default_password() -> None:
    _assert_grafana_locked(
        _ini((ROOT / "deploy" / "grafana" / "grafana.ini").read_text(encoding="utf-8")),
        "deploy/grafana/grafana.ini",
    )


@dataclass(frozen=True)
class Planned:
    """The stack from deploy/, placed by the process runtime (nothing started)."""

    runtime: ProcessRuntime
    spec: StackSpec
    placement: Placement


@pytest.fixture
def planned(tmp_path: Path) -> Planned:
    """Return the process runtime's placement of the stack built from deploy/."""
    spec = build_stack_spec(ArtifactTree(ROOT), include_grafana=True)
    runtime = ProcessRuntime(tmp_path)
    return Planned(runtime, spec, runtime.place(spec))


def test_harness_keeps_grafana_locked_when_it_rewrites_the_ini(planned: Planned) -> None:
    rendered = planned.spec.render(GRAFANA, planned.placement)
    _assert_grafana_locked(_ini(rendered.files["grafana.ini"]), "harness-rendered grafana.ini")


@pytest.mark.parametrize("name", [PROMETHEUS, ALERTMANAGER])
def test_process_runtime_binds_prometheus_and_alertmanager_to_loopback(
    planned: Planned, name: str
) -> None:
    spec, runtime = planned.spec, planned.runtime
    launch = Launch(spec.component(name), spec.render(name, planned.placement), {}, 1.0)
    component = runtime.create(launch, Progress())
    assert isinstance(component, ProcessComponent)
    listen = [arg.split("=", 1)[1] for arg in component.argv if arg.startswith("--web.listen")]
    assert listen == [f"127.0.0.1:{component.listen.port}"], component.argv
    if name == ALERTMANAGER:
        # Alertmanager's gossip port defaults to 0.0.0.0:9094; it must be off here.
        assert "--cluster.listen-address=" in component.argv, component.argv
