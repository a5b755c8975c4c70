"""`--deployed` live: a local stack addressed only through TLS fronts with credentials.

The healthy run passes; a drifted rule, a missing scrape target, a wrong route and a
stopped Alertmanager, each made for real in the running stack, fail the run naming it.
One stack serves every case (each fault is undone before the next), so this is opt-in:
`python -m contract --faults` or `pytest tests/contract/test_deployed_faults.py --run-contract`.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from contract.deployed.local import LocalDeployment, local_deployment
from contract.deployed.runner import DeployedOptions, run_deployed
from contract.spec import ALERTMANAGER, BACKEND, PROMETHEUS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT_DIRS = ("alerts", "dashboards", "runbooks", "deploy")
JOB = "techno-backend"

pytestmark = [
    pytest.mark.contract,
    pytest.mark.skipif(
        any(shutil.which(b) is None for b in ("prometheus", "amtool", "openssl")),
        reason="needs Debian's prometheus, prometheus-alertmanager (amtool) and openssl",
    ),
]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDeployment]:
    """Start the stack once from a copy of the artifacts its Prometheus reads the rules from."""
    folder = tmp_path_factory.mktemp("deployed")
    for name in ARTIFACT_DIRS:
        shutil.copytree(ROOT / name, folder / "tree" / name)
    with local_deployment(folder / "stack", folder / "tree") as running:
        yield running


def prove(deployment: LocalDeployment, name: str) -> tuple[int, dict[str, Any]]:
    """Run `--deployed` against the generated artifacts of this repository."""
    evidence = deployment.folder / f"evidence-{name}"
    code = run_deployed(
        DeployedOptions(
            stack_file=deployment.stack_file,
            artifacts=ROOT,
            catalog=ROOT / "obs" / "catalog.yaml",
            evidence_dir=evidence,
            watch_seconds=2.0,
        )
    )
    summary = json.loads((evidence / "summary.json").read_text(encoding="utf-8"))
    return code, summary


def failures(summary: dict[str, Any], part: str) -> str:
    """Return the failure messages of one part, asserting it failed."""
    result = summary["parts"][part]
    assert result["status"] == "FAILED", (part, result)
    return "\n".join(s["message"] for s in result["scenarios"] if s["outcome"] == "failed")


def statuses(summary: dict[str, Any]) -> dict[str, str]:
    return {name: part["status"] for name, part in summary["parts"].items()}


def reload(deployment: LocalDeployment, component: str, files: dict[str, str]) -> None:
    """Write a component's config and make it load it (POST /-/reload answers once done)."""
    stack = deployment.stack
    stack.component(component).write_config(files)
    answer = requests.post(stack.url(component) + "/-/reload", timeout=20)
    assert answer.status_code == 200, answer.text


def rendered(deployment: LocalDeployment, component: str, name: str) -> str:
    stack = deployment.stack
    return stack.spec.render(component, stack.placement).files[name]


Probe = tuple[str, Callable[[dict[str, Any]], bool]]


def wait_for(deployment: LocalDeployment, what: str, done: Probe, timeout: float = 30.0) -> None:
    """Poll Prometheus's API until done(data of GET path) holds: reloads apply asynchronously."""
    path, check = done
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = requests.get(deployment.stack.url(PROMETHEUS) + path, timeout=5).json()["data"]
        if check(data):
            return
        time.sleep(0.5)
    raise AssertionError(f"Prometheus: {what} within {timeout:g}s")


def _targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in data["activeTargets"] if t["labels"].get("job") == JOB]


TARGET_GONE: Probe = ("/api/v1/targets?state=active", lambda d: not _targets(d))
TARGET_UP: Probe = (
    "/api/v1/targets?state=active",
    lambda d: bool(_targets(d)) and all(t["health"] == "up" for t in _targets(d)),
)
# A reload that changes a rule resets its health until its group evaluates it again.
RULES_HEALTHY: Probe = (
    "/api/v1/rules",
    lambda d: all(r["health"] == "ok" for g in d["groups"] for r in g["rules"]),
)


def test_the_healthy_deployed_stack_passes_read_only(deployment: LocalDeployment) -> None:
    code, summary = prove(deployment, "healthy")
    assert statuses(summary) == {
        "health": "VERIFIED",
        "scrape": "VERIFIED",
        "catalog": "VERIFIED",
        "rules": "VERIFIED",
        "series": "VERIFIED",
        "dashboards": "VERIFIED",
        "runbooks": "VERIFIED",
        "alertmanager": "VERIFIED",
        "watchdog": "VERIFIED",
        "grafana": "NOT VERIFIED",
        "drill": "NOT VERIFIED",
    }, summary.get("run_error")
    assert code == 0
    assert summary["parts"]["drill"]["reason"] == "read-only run: a drill needs --allow-drill"
    assert 0 < summary["timings"]["requests used"] < 2000
    # Every secret of the stack stays out of the evidence it wrote.
    secrets = [
        p.read_text(encoding="utf-8").strip() for p in (deployment.folder / "secrets").iterdir()
    ]
    for path in (deployment.folder / "evidence-healthy").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not [s for s in secrets if s in text], path


def test_a_rule_drifted_in_the_deployed_prometheus_fails_rules_naming_it(
    deployment: LocalDeployment, tmp_path: Path
) -> None:
    rules = deployment.stack.spec.artifacts.root / "alerts" / "traffic.yml"
    original = rules.read_text(encoding="utf-8")
    assert "> 0.05" in original
    rules.write_text(original.replace("> 0.05", "> 0.5"), encoding="utf-8")
    config = rendered(deployment, PROMETHEUS, "prometheus.yml")
    try:
        reload(deployment, PROMETHEUS, {"prometheus.yml": config})
        code, summary = prove(deployment, "drifted-rule")
    finally:
        rules.write_text(original, encoding="utf-8")
        reload(deployment, PROMETHEUS, {"prometheus.yml": config})
        wait_for(deployment, "every rule healthy again", RULES_HEALTHY)
    assert code != 0
    message = failures(summary, "rules")
    assert "group 'techno-traffic' rule 'HighErrorRate': query is" in message
    assert "0.5" in message
    assert statuses(summary)["health"] == "VERIFIED"


def test_a_missing_scrape_target_fails_scrape_naming_the_job(
    deployment: LocalDeployment,
) -> None:
    config = rendered(deployment, PROMETHEUS, "prometheus.yml")
    document = yaml.safe_load(config)
    for job in document["scrape_configs"]:
        if job["job_name"] == JOB:
            job["static_configs"] = [{"targets": []}]
    try:
        reload(deployment, PROMETHEUS, {"prometheus.yml": yaml.safe_dump(document)})
        wait_for(deployment, f"the {JOB} target gone", TARGET_GONE)
        code, summary = prove(deployment, "missing-target")
    finally:
        reload(deployment, PROMETHEUS, {"prometheus.yml": config})
        wait_for(deployment, f"the {JOB} target up again", TARGET_UP)
        wait_for(deployment, "every rule healthy again", RULES_HEALTHY)
    assert code != 0
    message = failures(summary, "scrape")
    assert JOB in message
    instance = deployment.stack.placement.internal[BACKEND].netloc
    assert f"backend target '{instance}' is not an active scrape target" in message


def test_a_wrong_route_in_the_deployed_alertmanager_fails_naming_alert_and_receivers(
    deployment: LocalDeployment,
) -> None:
    config = rendered(deployment, ALERTMANAGER, "alertmanager.yml")
    document = yaml.safe_load(config)
    for route in document["route"]["routes"]:
        if route["receiver"] == "page":
            route["receiver"] = "ticket"
    try:
        reload(deployment, ALERTMANAGER, {"alertmanager.yml": yaml.safe_dump(document)})
        code, summary = prove(deployment, "wrong-route")
    finally:
        reload(deployment, ALERTMANAGER, {"alertmanager.yml": config})
    assert code != 0
    message = failures(summary, "alertmanager")
    assert "alert 'BackendDown' routes to 'ticket', the catalog routes it to 'page'" in message
    assert statuses(summary)["watchdog"] == "VERIFIED"


def test_a_stopped_alertmanager_fails_health_and_the_watchdog_naming_it(
    deployment: LocalDeployment,
) -> None:
    alertmanager = deployment.stack.component(ALERTMANAGER)
    alertmanager.stop()
    try:
        code, summary = prove(deployment, "stopped-alertmanager")
    finally:
        alertmanager.start()
    assert code != 0
    assert "alertmanager" in failures(summary, "health")
    assert "/-/ready" in failures(summary, "health")
    assert "alertmanager" in failures(summary, "watchdog")
    assert statuses(summary)["rules"] == "VERIFIED"


def test_a_stack_behind_its_artifacts_fails_catalog_series_dashboards_and_runbooks(
    deployment: LocalDeployment, tmp_path: Path
) -> None:
    # What a deploy that left the stack one release behind looks like from the new commit:
    # a metric the catalog has gained, a panel and a runbook query on a series it lacks.
    tree = tmp_path / "tree"
    for name in ARTIFACT_DIRS:
        shutil.copytree(ROOT / name, tree / name)
    overview = tree / "dashboards" / "techno-overview.json"
    text = overview.read_text(encoding="utf-8")
    overview.write_text(text.replace("techno_http_requests_total", "techno_http_answers_total"))
    runbook = tree / "runbooks" / "BackendDown.md"
    runbook.write_text(runbook.read_text() + "\n```promql\nsum(rate(up[5m]) by\n```\n")
    catalog = tmp_path / "catalog.yaml"
    text = (ROOT / "obs" / "catalog.yaml").read_text(encoding="utf-8")
    catalog.write_text(
        text.replace(
            "metrics:\n",
            "metrics:\n  - name: techno_new_total\n    type: counter\n    unit: requests\n"
            "    help: A metric the deployed backend does not have yet.\n    labels: {}\n\n",
            1,
        ),
        encoding="utf-8",
    )
    evidence = deployment.folder / "evidence-behind"
    code = run_deployed(
        DeployedOptions(
            stack_file=deployment.stack_file,
            artifacts=tree,
            catalog=catalog,
            evidence_dir=evidence,
            watch_seconds=0.0,
        )
    )
    summary = json.loads((evidence / "summary.json").read_text(encoding="utf-8"))
    assert code != 0
    assert "techno_new_total" in failures(summary, "catalog")
    assert "techno_http_answers_total" in failures(summary, "series")
    assert "techno-overview" in failures(summary, "dashboards")
    assert "BackendDown.md: query 'sum(rate(up[5m]) by' failed" in failures(summary, "runbooks")
    assert statuses(summary)["rules"] == "VERIFIED"
