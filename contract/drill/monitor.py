"""Watch Prometheus and Alertmanager during the drill: what each says of every alert, when."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import requests

from contract.checks.rules import parse_timestamp
from obs.generate.rules import DRILL_GROUP_SUFFIX

POLL_SECONDS = 0.25
HTTP_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class PromAlert:
    """One drill alert as Prometheus's rules API reports it at one instant."""

    state: str  # pending | firing
    active_at: float  # monotonic seconds, converted from Prometheus's activeAt
    value: str
    labels: dict[str, str]


@dataclass(frozen=True)
class AmAlert:
    """One alert as Alertmanager's API reports it at one instant."""

    state: str  # active | suppressed | unprocessed
    inhibited_by: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """Both views at one poll (monotonic seconds); alerts keyed by alertname."""

    at: float
    prometheus: dict[str, PromAlert] = field(default_factory=dict)
    alertmanager: dict[str, AmAlert] = field(default_factory=dict)
    errors: tuple[str, ...] = ()


def prometheus_alerts(groups: list[dict[str, Any]], wall_to_mono: float) -> dict[str, PromAlert]:
    """Return the active alerts of the drill rule groups from a /api/v1/rules answer."""
    found: dict[str, PromAlert] = {}
    for group in groups:
        if not str(group.get("name", "")).endswith(DRILL_GROUP_SUFFIX):
            continue
        for rule in group.get("rules") or []:
            for alert in rule.get("alerts") or []:
                labels = {str(k): str(v) for k, v in (alert.get("labels") or {}).items()}
                name = labels.get("alertname", str(rule.get("name")))
                active = _monotonic(str(alert.get("activeAt", "")), wall_to_mono)
                seen = PromAlert(str(alert.get("state")), active, str(alert.get("value")), labels)
                # One rule can have several alerts (by labels): keep the most advanced.
                if name not in found or seen.state == "firing":
                    found[name] = seen
    return found


def alertmanager_alerts(alerts: list[dict[str, Any]]) -> dict[str, AmAlert]:
    """Return Alertmanager's alerts by alertname from a /api/v2/alerts answer."""
    found: dict[str, AmAlert] = {}
    for alert in alerts:
        name = str((alert.get("labels") or {}).get("alertname", ""))
        status = alert.get("status") or {}
        found[name] = AmAlert(
            str(status.get("state", "")), tuple(str(x) for x in status.get("inhibitedBy") or [])
        )
    return found


def _monotonic(stamp: str, wall_to_mono: float) -> float:
    try:
        return parse_timestamp(stamp).timestamp() - wall_to_mono
    except ValueError:
        return 0.0


class AlertMonitor:
    """Poll both APIs from a harness thread until stopped; keep every snapshot."""

    def __init__(self, prometheus_url: str, alertmanager_url: str) -> None:
        self.prometheus_url = prometheus_url
        self.alertmanager_url = alertmanager_url
        self.snapshots: list[Snapshot] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # A plain session: the evidence session would record thousands of polls.
        self._http = requests.Session()

    def __enter__(self) -> AlertMonitor:
        self._thread = threading.Thread(target=self._run, name="drill-monitor", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self._http.close()

    def history(self) -> list[Snapshot]:
        """Return every snapshot so far, oldest first."""
        with self._lock:
            return list(self.snapshots)

    def latest(self) -> Snapshot:
        """Return the newest snapshot (taking one now if none exists yet)."""
        with self._lock:
            if self.snapshots:
                return self.snapshots[-1]
        return self.poll()

    def poll(self) -> Snapshot:
        """Read both APIs once."""
        errors: list[str] = []
        at = time.monotonic()
        wall_to_mono = time.time() - at
        prom: dict[str, PromAlert] = {}
        am: dict[str, AmAlert] = {}
        try:
            answer = self._http.get(
                f"{self.prometheus_url}/api/v1/rules?type=alert", timeout=HTTP_TIMEOUT_SECONDS
            )
            answer.raise_for_status()
            prom = prometheus_alerts(answer.json()["data"]["groups"], wall_to_mono)
        except (requests.RequestException, ValueError, KeyError) as exc:
            errors.append(f"prometheus: {type(exc).__name__}: {exc}")
        try:
            answer = self._http.get(
                f"{self.alertmanager_url}/api/v2/alerts", timeout=HTTP_TIMEOUT_SECONDS
            )
            answer.raise_for_status()
            am = alertmanager_alerts(answer.json())
        except (requests.RequestException, ValueError) as exc:
            errors.append(f"alertmanager: {type(exc).__name__}: {exc}")
        return Snapshot(at, prom, am, tuple(errors))

    def _run(self) -> None:
        while not self._stop.is_set():
            snapshot = self.poll()
            with self._lock:
                self.snapshots.append(snapshot)
            self._stop.wait(POLL_SECONDS)


def snapshots_as_json(snapshots: list[Snapshot], origin: float) -> list[dict[str, Any]]:
    """Return snapshots for the evidence, times relative to origin, changes only."""
    out: list[dict[str, Any]] = []
    last: tuple[Any, ...] | None = None
    for snap in snapshots:
        key = (
            sorted((n, a.state, a.value) for n, a in snap.prometheus.items()),
            sorted((n, a.state, a.inhibited_by) for n, a in snap.alertmanager.items()),
            snap.errors,
        )
        if key == last:
            continue
        last = key
        item = asdict(snap)
        item["at"] = round(snap.at - origin, 3)
        for alert in item["prometheus"].values():
            alert["active_at"] = round(alert["active_at"] - origin, 3)
        out.append(item)
    return out
