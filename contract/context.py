"""What steps see of a run: the live stack, the evidence, the catalog and the timeouts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from contract.artifacts import ArtifactTree
from contract.checks.prometheus import PrometheusApi
from contract.progress import Progress
from contract.spec import BACKEND, PROMETHEUS
from contract.stack import Stack
from contract.timings import Timings
from contract.traffic import TrafficReport, send_traffic
from obs.catalog import Catalog

TRAFFIC_ROUNDS = 4


@dataclass
class RunContext:
    """One contract run as the steps use it."""

    stack: Stack
    catalog: Catalog
    tree: ArtifactTree
    timeout_scale: float
    session: requests.Session
    # Alert delivery measures (seconds), reported in the summary.
    alert: dict[str, Any] = field(default_factory=dict)
    # Monotonic instants steps hand to later steps (e.g. when the backend was stopped).
    marks: dict[str, float] = field(default_factory=dict)
    traffic: TrafficReport | None = None
    # The fire drill: which alerts or conditions to drill (empty: all), its runner and report.
    drill_only: frozenset[str] = frozenset()
    drill_runner: Any = None
    drill: dict[str, Any] = field(default_factory=dict)
    # Parts with a failed scenario so far: the drill does not start on a broken stack.
    failed_parts: set[str] = field(default_factory=set)
    # Run at the end of the run, newest first, whatever happened (e.g. stop the drill load).
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        """Run every cleanup, newest first."""
        while self.cleanups:
            self.cleanups.pop()()

    @property
    def progress(self) -> Progress:
        return self.stack.progress

    @property
    def timings(self) -> Timings:
        return self.stack.timings

    @property
    def prometheus(self) -> PrometheusApi:
        return PrometheusApi(self.stack.url(PROMETHEUS), self.session)

    def timeout(self, seconds: float) -> float:
        """Scale a wait by --timeout-scale (slow machines)."""
        return seconds * self.timeout_scale

    def ensure_traffic(self) -> TrafficReport:
        """Send the contract's traffic once per run and record what came back."""
        if self.traffic is None:
            self.progress.say(BACKEND, "sending traffic (echo, analyze_text and denied requests)")
            with self.timings.phase("traffic"):
                self.traffic = send_traffic(
                    self.stack.url(BACKEND), self.stack.api_key, rounds=TRAFFIC_ROUNDS
                )
            self.stack.evidence.write_json("traffic.json", self.traffic.as_dict())
        return self.traffic

    def more_traffic(self) -> None:
        """Send one more round so rate() windows keep seeing increases while a step waits."""
        report = send_traffic(self.stack.url(BACKEND), self.stack.api_key, rounds=1)
        if self.traffic is not None:
            self.traffic.merge(report)
