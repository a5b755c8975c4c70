"""What the deployed checks see: STACK.yaml, the session, the generated artifacts and evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

import requests

from contract.artifacts import ArtifactTree
from contract.assertions import http_get, violation
from contract.checks.prometheus import PrometheusApi
from contract.deployed.config import DeployedStack, Endpoint
from contract.deployed.http import DeployedSession
from contract.evidence import Evidence, evidence_of
from contract.progress import Progress
from contract.spec import StackSpec
from obs.catalog import Catalog


@dataclass
class DeployedRun:
    """One `--deployed` run as its checks use it."""

    stack: DeployedStack
    session: DeployedSession
    catalog: Catalog
    tree: ArtifactTree
    spec: StackSpec
    evidence: Evidence
    progress: Progress
    # How long the Watchdog check watches the failed-notification counters (seconds).
    watch_seconds: float = 10.0

    @property
    def prometheus(self) -> PrometheusApi:
        return PrometheusApi(self.stack.prometheus.url, self.session)

    def get(self, endpoint: Endpoint, path: str, *, expect: int = 200) -> requests.Response:
        """GET path on an endpoint; fail naming the endpoint on any error or another status."""
        __tracebackhide__ = True
        return http_get(self.session, endpoint.name, endpoint.url + path, expect=expect)

    def get_json(self, endpoint: Endpoint, path: str) -> tuple[Any, str]:
        """GET a JSON document; return it and its evidence file."""
        __tracebackhide__ = True
        response = self.get(endpoint, path)
        try:
            return response.json(), evidence_of(response)
        except ValueError:
            fail(endpoint, f"GET {path}", "answer is not JSON", evidence_of(response))

    def prometheus_now(self) -> datetime:
        """Return Prometheus's own clock (the runner's clock may be skewed from it)."""
        __tracebackhide__ = True
        answer = self.prometheus.query("time()")
        try:
            return datetime.fromtimestamp(float(answer.result[0]["value"][1]), UTC)
        except (IndexError, KeyError, TypeError, ValueError):
            fail(
                self.stack.prometheus, "GET /api/v1/query", "time() gave no number", answer.evidence
            )


def fail(endpoint: Endpoint, what: str, problem: str, evidence: str = "") -> NoReturn:
    """Fail a check naming the STACK.yaml endpoint (name and URL)."""
    __tracebackhide__ = True
    violation(endpoint.name, f"{what} on {endpoint.url}", problem, evidence)
