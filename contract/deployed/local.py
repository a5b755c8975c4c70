"""Stand a local process-runtime stack up as if deployed: TLS fronts, credentials, STACK.yaml.

`python -m contract.deployed.local DIR` keeps it up until interrupted, so CI can prove it with
`python -m contract --deployed DIR/STACK.yaml` from another process, through URLs only.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import requests
import yaml

from contract.artifacts import ArtifactTree
from contract.checks.dashboards import load_dashboard, panel_queries
from contract.checks.prometheus import PrometheusApi
from contract.deployed.certs import make_certificates
from contract.deployed.tls_front import Front, basic, bearer, tls_fronts
from contract.deployed.watchdog import WATCHDOG
from contract.errors import HarnessError
from contract.evidence import Evidence
from contract.progress import Progress
from contract.redact import Redactor
from contract.runtime import make_runtime
from contract.spec import ALERTMANAGER, BACKEND, PROMETHEUS, build_stack_spec
from contract.stack import Stack
from contract.timings import Timings
from contract.traffic import send_traffic

STACK_FILE = "STACK.yaml"
READY_TIMEOUT_SECONDS = 30.0
SETTLE_TIMEOUT_SECONDS = 120.0
TRAFFIC_EVERY_SECONDS = 2.0
PROMETHEUS_USER = "contract"


@dataclass
class LocalDeployment:
    """A running local stack and the STACK.yaml that addresses it through its TLS fronts."""

    stack: Stack
    stack_file: Path
    folder: Path
    urls: dict[str, str]


def _secret_file(folder: Path, name: str) -> tuple[Path, str]:
    value = secrets.token_urlsafe(24)
    path = folder / name
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path, value


def _write_stack_file(folder: Path, stack: Stack, urls: dict[str, str]) -> Path:
    def tls() -> dict[str, str]:
        return {"ca_file": "tls/ca.pem"}

    document = {
        "production": False,
        "budget": {"max_requests": 2000, "timeout_seconds": 10},
        "backend": [
            {
                "url": urls[BACKEND],
                # What Prometheus scrapes it as (the front is only for the harness).
                "instance": stack.placement.internal[BACKEND].netloc,
                "tls": tls(),
                "auth": {"bearer_token_file": "secrets/backend.token"},
            }
        ],
        "prometheus": {
            "url": urls[PROMETHEUS],
            "tls": tls(),
            "auth": {"username": PROMETHEUS_USER, "password_file": "secrets/prometheus.password"},
        },
        "alertmanager": {
            "url": urls[ALERTMANAGER],
            "tls": tls(),
            "auth": {"bearer_token_file": "secrets/alertmanager.token"},
        },
    }
    path = folder / STACK_FILE
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _keep_traffic(stack: Stack, stop: threading.Event) -> None:
    """Serve light traffic like a live deployment, so every rate() window sees increases."""
    while not stop.wait(TRAFFIC_EVERY_SECONDS):
        try:
            send_traffic(stack.url(BACKEND), stack.api_key, rounds=1)
        except requests.RequestException:
            continue  # a fault test may have stopped a component; the checks say so


def wait_settled(stack: Stack, timeout: float = SETTLE_TIMEOUT_SECONDS) -> None:
    """Wait until every panel has data and the Watchdog is in Alertmanager, like a live stack.

    The Watchdog fires at the first evaluation, often before Prometheus has discovered its
    Alertmanager; it then sends it again only after its resend delay (10 s in the contract's
    Prometheus, a minute by default).
    """
    tree = stack.spec.artifacts
    queries = [q for p in tree.dashboard_files() for q in panel_queries(load_dashboard(p))]
    watchdog = stack.url(ALERTMANAGER) + f'/api/v2/alerts?filter=alertname="{WATCHDOG}"'
    with requests.Session() as session:
        prometheus = PrometheusApi(stack.url(PROMETHEUS), session)
        deadline = time.monotonic() + timeout
        pending = list(queries)
        delivered = False
        while True:
            pending = [q for q in pending if not prometheus.query(q.resolved).has_data()]
            delivered = delivered or bool(session.get(watchdog, timeout=5).json())
            if not pending and delivered:
                return
            if time.monotonic() > deadline:
                labels = ", ".join(q.label for q in pending[:5])
                missing = f"{len(pending)} panel(s) still without data: {labels}" if pending else ""
                raise HarnessError(
                    PROMETHEUS if pending else ALERTMANAGER,
                    missing or f"{WATCHDOG} never reached Alertmanager",
                )
            time.sleep(1.0)


@contextmanager
def local_deployment(folder: Path, artifacts: Path) -> Iterator[LocalDeployment]:
    """Start the stack, its TLS fronts and traffic; write folder/STACK.yaml; tear all down."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secrets").mkdir(exist_ok=True)
    evidence = Evidence(folder / "evidence", Redactor())
    progress = Progress((folder / "progress.log").open("w", encoding="utf-8"))
    tree = ArtifactTree(artifacts.resolve())
    with ExitStack() as stack_of:
        stack = stack_of.enter_context(
            Stack(
                build_stack_spec(tree, include_grafana=False),
                make_runtime("process", folder / "runtime"),
                evidence=evidence,
                progress=progress,
                timings=Timings(),
                ready_timeout=READY_TIMEOUT_SECONDS,
            )
        )
        certs = make_certificates(folder / "tls")
        _, backend_token = _secret_file(folder, "secrets/backend.token")
        _, prometheus_password = _secret_file(folder, "secrets/prometheus.password")
        _, alertmanager_token = _secret_file(folder, "secrets/alertmanager.token")
        fronts = {
            BACKEND: Front(stack.url(BACKEND), bearer(backend_token)),
            PROMETHEUS: Front(stack.url(PROMETHEUS), basic(PROMETHEUS_USER, prometheus_password)),
            ALERTMANAGER: Front(stack.url(ALERTMANAGER), bearer(alertmanager_token)),
        }
        urls = stack_of.enter_context(tls_fronts(fronts, certs.cert, certs.key))
        send_traffic(stack.url(BACKEND), stack.api_key, rounds=4)
        stop = threading.Event()
        traffic = threading.Thread(target=_keep_traffic, args=(stack, stop), daemon=True)
        traffic.start()
        stack_of.callback(traffic.join, 10)
        stack_of.callback(stop.set)
        wait_settled(stack)
        yield LocalDeployment(stack, _write_stack_file(folder, stack, urls), folder, urls)


def main(argv: Sequence[str] | None = None) -> int:
    """Keep a local deployment up until SIGTERM or Ctrl-C; print its STACK.yaml path."""
    parser = argparse.ArgumentParser(
        prog="python -m contract.deployed.local",
        description="Start a local stack behind TLS fronts with credentials, as if deployed.",
    )
    parser.add_argument("folder", type=Path, help="where STACK.yaml, certificates and secrets go")
    parser.add_argument("--artifacts", type=Path, default=Path.cwd(), help="the generated tree")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    def interrupt(signum: int, _: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupt)
    try:
        with local_deployment(args.folder.resolve(), args.artifacts) as deployment:
            (deployment.folder / "ready").write_text(f"{os.getpid()}\n", encoding="utf-8")
            print(f"ready: {deployment.stack_file}", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        return 0
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
