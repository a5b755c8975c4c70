"""Fault injection: break one generated artifact in a copy; the contract run must fail naming it.

These start whole contract runs (seconds each), so they are opt-in:
`python -m contract --faults` or `pytest tests/contract/test_faults.py --run-contract`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT_DIRS = ("alerts", "dashboards", "runbooks", "deploy")
RUN_TIMEOUT_SECONDS = 180

pytestmark = pytest.mark.contract


@dataclass(frozen=True)
class ContractRun:
    """What a contract run left: exit code, terminal output and summary.json."""

    code: int
    output: str
    summary: dict[str, Any]

    def part(self, name: str) -> dict[str, Any]:
        part: dict[str, Any] = self.summary["parts"][name]
        return part

    def failure_messages(self, name: str) -> str:
        return "\n".join(
            s["message"] for s in self.part(name)["scenarios"] if s["outcome"] == "failed"
        )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Copy the generated artifacts into a temp tree a test may break."""
    copy = tmp_path / "tree"
    for name in ARTIFACT_DIRS:
        shutil.copytree(ROOT / name, copy / name)
    return copy


def run_contract(
    tree: Path,
    *pytest_args: str,
    scale: float = 1.0,
    env: dict[str, str] | None = None,
    options: tuple[str, ...] = (),
) -> ContractRun:
    """Run `python -m contract` on tree (Grafana left out) and collect what it left."""
    evidence = tree.parent / "evidence"
    argv = [
        sys.executable,
        "-m",
        "contract",
        "--artifacts",
        str(tree),
        "--skip",
        "grafana",
        "--evidence-dir",
        str(evidence),
        "--timeout-scale",
        str(scale),
    ]
    argv += options
    if pytest_args:
        argv += ["--", *pytest_args]
    done = subprocess.run(
        argv,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        env=env,
        check=False,
    )
    summary = json.loads((evidence / "summary.json").read_text(encoding="utf-8"))
    return ContractRun(done.returncode, done.stdout + done.stderr, summary)


def edit(path: Path, change: Callable[[str], str]) -> None:
    """Rewrite a file through change, failing if change left it as it was."""
    before = path.read_text(encoding="utf-8")
    after = change(before)
    assert after != before, f"the fault was not injected into {path}"
    path.write_text(after, encoding="utf-8")


def test_broken_rule_expression_stops_prometheus(tree: Path) -> None:
    edit(tree / "alerts" / "availability.yml", lambda t: t.replace("== 0'", "== '", 1))
    run = run_contract(tree, "-k", "health")
    assert run.code != 0
    assert run.summary["run_error"].startswith("[prometheus]")
    assert "parse error" in run.summary["run_error"]
    assert "availability.yml" in run.summary["run_error"]


def test_rule_failing_at_evaluation_fails_rules(tree: Path) -> None:
    # Valid PromQL that cannot evaluate: many series on both sides of an on() match.
    bad = "'techno_http_requests_total / on() techno_http_requests_total'"
    edit(
        tree / "alerts" / "availability.yml",
        lambda t: t.replace("'up{job=\"techno-backend\"} == 0'", bad, 1),
    )
    run = run_contract(tree, "-k", "rule_group")
    assert run.code != 0
    assert run.part("rules")["status"] == "FAILED"
    message = run.failure_messages("rules")
    assert "BackendDown" in message and "health=err" in message


def test_misspelt_metric_in_an_alert_fails_rules_naming_alert_and_selector(tree: Path) -> None:
    # A broken template's output: one alert reads a metric the backend does not export.
    edit(
        tree / "alerts" / "traffic.yml",
        lambda t: t.replace(
            'sum(rate(techno_http_requests_total{route="/process",status=~"5.."}[5m]))',
            'sum(rate(techno_http_request_total{route="/process",status=~"5.."}[5m]))',
            1,
        ),
    )
    # Only the selector scenario, and its wait shortened: the misspelt selector never
    # selects a series, so the whole wait is spent; the rest select theirs within seconds.
    run = run_contract(tree, "-k", "rule_selector", scale=0.5)
    assert run.code != 0
    assert run.part("rules")["status"] == "FAILED"
    message = run.failure_messages("rules")
    assert "alert 'HighErrorRate'" in message
    assert 'selector techno_http_request_total{route="/process",status=~"5.."}' in message
    assert "selects no series" in message and "series/rules.json" in message


def test_wrong_scrape_port_fails_scrape(tree: Path) -> None:
    # Port 9 (discard) is not a component's default port, so the harness leaves it as it is.
    edit(
        tree / "deploy" / "prometheus" / "prometheus.yml",
        lambda t: t.replace('"127.0.0.1:8080"', '"127.0.0.1:9"'),
    )
    run = run_contract(tree, "-k", "scrape")
    assert run.code != 0
    assert run.part("scrape")["status"] == "FAILED"
    message = run.failure_messages("scrape")
    assert "127.0.0.1:9/metrics" in message and "health=down" in message


def test_dashboard_query_on_missing_metric_fails_dashboards(tree: Path) -> None:
    edit(
        tree / "dashboards" / "techno-overview.json",
        lambda t: t.replace("sum(techno_requests_in_flight)", "sum(techno_no_such_metric)", 1),
    )
    run = run_contract(tree, "-k", "panel_query", scale=0.3)
    assert run.code != 0
    assert run.part("dashboards")["status"] == "FAILED"
    message = run.failure_messages("dashboards")
    assert "techno_no_such_metric" in message and "returned no data" in message
    assert "techno-overview" in message


def test_dashboard_on_unprovisioned_datasource_fails_dashboards(tree: Path) -> None:
    edit(
        tree / "dashboards" / "techno-overview.json",
        lambda t: t.replace('"uid": "${datasource}"', '"uid": "gone-prometheus"', 1),
    )
    # Only the datasource scenario: the panel queries would wait out their data for nothing.
    run = run_contract(tree, "-k", "datasource")
    assert run.code != 0
    assert run.part("dashboards")["status"] == "FAILED"
    message = run.failure_messages("dashboards")
    assert "dashboard 'techno-overview' panel" in message
    assert "datasource uid 'gone-prometheus' is not provisioned" in message


def test_alertmanager_config_error_stops_alertmanager(tree: Path) -> None:
    edit(
        tree / "deploy" / "alertmanager" / "alertmanager.yml",
        lambda t: t.replace("  receiver: default\n", "  receiver: nobody-home\n", 1),
    )
    run = run_contract(tree, "-k", "health")
    assert run.code != 0
    assert run.summary["run_error"].startswith("[alertmanager]")
    assert "nobody-home" in run.summary["run_error"]
    assert run.part("health")["status"] == "NOT VERIFIED"


def test_runbook_link_to_missing_page_fails_runbooks(tree: Path) -> None:
    edit(
        tree / "alerts" / "availability.yml",
        lambda t: t.replace("runbooks/BackendDown.md", "runbooks/NoSuchPage.md", 1),
    )
    run = run_contract(tree, "-k", "links_an_existing_runbook")
    assert run.code != 0
    assert run.part("runbooks")["status"] == "FAILED"
    message = run.failure_messages("runbooks")
    assert "BackendDown" in message and "NoSuchPage.md" in message


def test_missing_binary_is_named_with_install_hint(tree: Path, tmp_path: Path) -> None:
    # A PATH without Debian's binaries (the backend runs on this interpreter, not from PATH).
    bare = tmp_path / "bin"
    bare.mkdir()
    run = run_contract(tree, "-k", "health", env={**os.environ, "PATH": str(bare)})
    assert run.code != 0
    assert "binary `prometheus-alertmanager` not found" in run.summary["run_error"]
    assert "apt-get install prometheus-alertmanager" in run.summary["run_error"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_tears_the_stack_down(tree: Path, signum: signal.Signals) -> None:
    evidence = tree.parent / "evidence"
    argv = [sys.executable, "-m", "contract", "--artifacts", str(tree), "--skip", "grafana"]
    process = subprocess.Popen(
        [*argv, "--evidence-dir", str(evidence), "--", "-k", "alerts"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Started as a non-interactive shell starts a background job (`cmd &`): SIGINT
        # ignored. A cancelled CI job must still tear the stack down.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "[drill] healthy traffic only" in line:
            break
    process.send_signal(signum)
    process.communicate(timeout=60)
    assert process.returncode != 0
    summary = json.loads((evidence / "summary.json").read_text(encoding="utf-8"))
    assert "interrupted" in summary["run_error"]
    placement = json.loads((evidence / "configs" / "placement.json").read_text(encoding="utf-8"))
    for component, address in placement["listen"].items():
        host, _, port = address.rpartition(":")
        with socket.socket() as sock:
            assert sock.connect_ex((host, int(port))) != 0, (
                f"{component} still listens on {address}"
            )
    assert (evidence / "components" / "prometheus.log").stat().st_size > 0


def _drill_message(run: ContractRun) -> str:
    assert run.code != 0, run.output[-2000:]
    assert run.part("alerts")["status"] == "FAILED"
    return run.failure_messages("alerts")


def test_an_alert_routed_to_the_wrong_receiver_fails_the_drill(tree: Path) -> None:
    edit(
        tree / "deploy" / "alertmanager" / "alertmanager.yml",
        lambda t: t.replace('- receiver: "ticket"', '- receiver: "page"', 1),
    )
    run = run_contract(tree, "-k", "every_alert_fires", options=("--drill", "GateDenySpike"))
    assert (
        "GateDenySpike: delivered by receiver 'page', but severity 'ticket' routes to 'ticket'"
        in _drill_message(run)
    )


def test_a_missing_inhibit_rule_fails_the_drill(tree: Path) -> None:
    config = tree / "deploy" / "alertmanager" / "alertmanager.yml"
    edit(config, lambda t: t[: t.index("inhibit_rules:")])
    run = run_contract(
        tree, "-k", "every_alert_fires", scale=0.3, options=("--drill", "LatencySLOBurnRateTicket")
    )
    _drill_message(run)
    # A shortened run stops at the first failing step; the summary lists every drill problem.
    problems = "\n".join(run.summary["drill"]["problems"])
    assert "LatencySLOBurnRateTicket was delivered" in problems
    assert "while its inhibitor LatencySLOBurnRatePage was still firing" in problems


def test_an_alert_firing_under_healthy_traffic_fails_the_quiet_proof(tree: Path) -> None:
    # As a broken threshold would: the healthy background traffic alone now exceeds it.
    edit(
        tree / "alerts" / "drill" / "traffic.yml",
        lambda t: t.replace("[1s])) > 50", "[1s])) > 0.5", 1),
    )
    run = run_contract(tree, "-k", "healthy_traffic")
    message = _drill_message(run)
    assert "HighRequestVolume went pending" in message
    assert "under healthy traffic only" in message


def test_a_watchdog_without_its_own_route_fails_the_drill_naming_its_receiver(
    tree: Path,
) -> None:
    # Without its route the dead man's switch lands on `default`: nobody watches its silence.
    edit(
        tree / "deploy" / "alertmanager" / "alertmanager.yml",
        lambda t: t.replace('    - receiver: "watchdog"\n', '    - receiver: "default"\n', 1),
    )
    run = run_contract(tree, "-k", "every_alert_fires", options=("--drill", "Watchdog"))
    assert (
        "Watchdog: delivered by receiver 'default', but severity 'watchdog' routes to 'watchdog'"
        in _drill_message(run)
    )
