"""The process runtime starts real binaries, waits for readiness and always cleans up."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
import requests

from contract.errors import MissingBinaryError, PortClashError, ReadinessError
from contract.progress import Progress
from contract.runtime.base import Component, Launch
from contract.runtime.binaries import find_binary
from contract.runtime.process import ProcessComponent, ProcessRuntime
from contract.spec import PROMETHEUS, ComponentSpec, Endpoint, Rendered

pytestmark = pytest.mark.skipif(
    shutil.which("prometheus") is None, reason="needs Debian's prometheus"
)
GOOD_CONFIG = "global:\n  scrape_interval: 5s\nscrape_configs: []\n"


@pytest.fixture
def progress(tmp_path: Path) -> Progress:
    return Progress((tmp_path / "progress.txt").open("w", encoding="utf-8"))


def prometheus(tmp_path: Path, progress: Progress, config: str, port: int) -> Component:
    runtime = ProcessRuntime(tmp_path)
    spec = ComponentSpec(PROMETHEUS, 9090, "/-/ready")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "prometheus.yml").write_text(config, encoding="utf-8")
    listen = Endpoint("127.0.0.1", port)
    argv = runtime.argv_for(PROMETHEUS, listen, tmp_path / "config", tmp_path / "data")
    launch = Launch(spec, Rendered({}), {}, ready_timeout=15.0)
    return ProcessComponent(
        launch,
        progress,
        argv=argv,
        listen=listen,
        workdir=tmp_path / "work",
        log_path=tmp_path / "p.log",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_ready_component_answers_and_is_gone_after_exit(
    tmp_path: Path, progress: Progress
) -> None:
    port = free_port()
    with prometheus(tmp_path, progress, GOOD_CONFIG, port) as component:
        assert requests.get(component.base_url + "/-/ready", timeout=5).status_code == 200
        assert component.exit_status() is None
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/-/ready", timeout=5)


def test_a_bad_config_fails_readiness_with_the_log_tail(tmp_path: Path, progress: Progress) -> None:
    component = prometheus(tmp_path, progress, "scrape_configs: [[[\n", free_port())
    with pytest.raises(ReadinessError) as raised, component:
        pass
    assert raised.value.component == "prometheus"
    assert "exited with code" in raised.value.cause
    assert "prometheus.yml" in raised.value.log_tail


def test_a_taken_port_is_a_clash_before_anything_starts(tmp_path: Path, progress: Progress) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        component = prometheus(tmp_path, progress, GOOD_CONFIG, holder.getsockname()[1])
        with pytest.raises(PortClashError, match="already in use"), component:
            pass
    assert component.exit_status() == "not started"


def test_a_missing_binary_is_named_with_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(MissingBinaryError) as raised:
        find_binary("alertmanager", "prometheus-alertmanager", environ={"PATH": str(tmp_path)})
    assert "prometheus-alertmanager" in str(raised.value)
    assert "apt-get install prometheus-alertmanager" in str(raised.value)


def test_grafana_override_must_be_executable(tmp_path: Path) -> None:
    bogus = tmp_path / "grafana"
    bogus.write_text("not a binary", encoding="utf-8")
    with pytest.raises(MissingBinaryError, match="TECHNO_GRAFANA_BIN"):
        find_binary(
            "grafana",
            "grafana-server",
            env_var="TECHNO_GRAFANA_BIN",
            environ={"TECHNO_GRAFANA_BIN": str(bogus)},
        )
