"""The real conditions the drill creates through the real backend and stack.

Each is a context the runner enters to create the condition and leaves to remove it.
None writes a sample: Prometheus sees only what it scrapes from the backend.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import requests

from contract.drill.load import LoadEngine, RequestKind
from contract.errors import HarnessError
from contract.spec import BACKEND, PROMETHEUS
from contract.stack import Stack
from contract.upstream import FAIL, SLOW
from obs.catalog.drill import ALWAYS, DRILL_CONDITIONS, FLOOD_RATE_RPS

AUDIT_FILE = "audit.jsonl"
HELD_SUFFIX = ".drill-held"
# Request rates (per second) and concurrencies, chosen against the catalog's thresholds.
HEALTHY_RATE = 10.0
FAILING_RATE = 20.0
# Paced, not back-to-back loops: loops that start together finish together, so the
# completions come in bursts a 1 s drill window can miss, and the p95 alert flaps.
SLOW_RATE = 16.0
BAD_KEY_RATE = 5.0
# What `obs calibrate` holds the volume threshold to: one number for both.
FLOOD_RATE = FLOOD_RATE_RPS
RELOAD_TIMEOUT_SECONDS = 15.0
JSON = {"Content-Type": "application/json"}


def _body(action: str, payload: Mapping[str, object], context: str = "default") -> str:
    return json.dumps({"action": action, "context_id": context, "payload": payload})


def healthy_kind(api_key: str) -> RequestKind:
    """An allowed echo request: 200, fast."""
    return RequestKind(_body("echo", {"message": "drill healthy"}), {**JSON, "X-API-KEY": api_key})


def chat_kind(chat_key: str, content: str) -> RequestKind:
    """A chat request whose upstream answer the message picks (see contract.upstream)."""
    payload = {"messages": [{"role": "user", "content": content}]}
    return RequestKind(_body("chat", payload), {**JSON, "X-API-KEY": chat_key})


@dataclass
class Condition:
    """A named condition: `apply()` creates it, `remove()` takes it away."""

    name: str
    apply: Callable[[], None]
    remove: Callable[[], None]


class Conditions:
    """Build every DRILL_CONDITIONS entry against a running stack."""

    def __init__(self, stack: Stack, load: LoadEngine, reload: Callable[[str], None]) -> None:
        self.stack = stack
        self.load = load
        self.reload = reload

    # Every DRILL_CONDITIONS name, and the method that builds it.
    BUILDERS: Mapping[str, str] = {
        ALWAYS: "_always",
        "backend_stopped": "_backend_stopped",
        "target_removed": "_target_removed",
        "upstream_failing": "_upstream_failing",
        "upstream_slow": "_upstream_slow",
        "bad_keys": "_bad_keys",
        "request_flood": "_request_flood",
        "audit_unwritable": "_audit_unwritable",
    }

    def get(self, name: str) -> Condition:
        """Return the named condition, or fail naming the known ones."""
        if name not in self.BUILDERS:
            raise HarnessError("drill", f"no condition {name!r}; known: {sorted(DRILL_CONDITIONS)}")
        build: Callable[[], Condition] = getattr(self, self.BUILDERS[name])
        return build()

    def _always(self) -> Condition:
        # Nothing to create or remove: its alerts (the Watchdog) fire with no condition.
        return Condition(ALWAYS, lambda: None, lambda: None)

    def _upstream_failing(self) -> Condition:
        kind = chat_kind(self.stack.chat_key, FAIL)
        return self._stream("upstream_failing", kind, rate=FAILING_RATE)

    def _upstream_slow(self) -> Condition:
        kind = chat_kind(self.stack.chat_key, SLOW)
        return self._stream("upstream_slow", kind, rate=SLOW_RATE)

    def _bad_keys(self) -> Condition:
        return self._stream("bad_keys", healthy_kind("drill-not-a-real-key"), rate=BAD_KEY_RATE)

    def _request_flood(self) -> Condition:
        return self._stream("request_flood", healthy_kind(self.stack.api_key), rate=FLOOD_RATE)

    def _stream(
        self, name: str, kind: RequestKind, *, rate: float = 0.0, concurrency: int = 1
    ) -> Condition:
        return Condition(
            name,
            lambda: self.load.start(name, kind, rate=rate, concurrency=concurrency),
            lambda: self._stop_stream(name),
        )

    def _stop_stream(self, name: str) -> None:
        self.load.stop(name)

    def _backend_stopped(self) -> Condition:
        backend = self.stack.component(BACKEND)
        return Condition("backend_stopped", backend.stop, backend.start)

    def _target_removed(self) -> Condition:
        job = self.stack.spec.scrape_jobs()[0]
        placement = self.stack.placement

        def apply() -> None:
            self.reload(self.stack.spec.render_prometheus_drill(placement, without_job=job))

        def remove() -> None:
            self.reload(self.stack.spec.render_prometheus_drill(placement))

        return Condition("target_removed", apply, remove)

    def _audit_unwritable(self) -> Condition:
        backend = self.stack.component(BACKEND)
        data = PurePosixPath(backend.launch.env["TECHNO_DATA_DIR"])
        audit, held = data / AUDIT_FILE, data / (AUDIT_FILE + HELD_SUFFIX)
        # Rotate the log aside and put a device that fails every write (ENOSPC) at its
        # path: the writer reopens the path on its next batch and cannot write.

        def apply() -> None:
            backend.run_shell(f"mv '{audit}' '{held}' && ln -s /dev/full '{audit}'")

        def remove() -> None:
            backend.run_shell(f"rm '{audit}' && mv '{held}' '{audit}'")

        return Condition("audit_unwritable", apply, remove)


def reload_prometheus(stack: Stack, session: requests.Session, config: str) -> None:
    """Make the running Prometheus load `config` as prometheus.yml.

    POST /-/reload answers only once the reload is done, 200 if it succeeded.
    """
    prometheus = stack.component(PROMETHEUS)
    prometheus.write_config({"prometheus.yml": config})
    try:
        answer = session.post(f"{prometheus.base_url}/-/reload", timeout=RELOAD_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise HarnessError(PROMETHEUS, f"POST /-/reload: no answer: {exc}") from exc
    if answer.status_code != 200:
        raise HarnessError(
            PROMETHEUS, f"POST /-/reload answered {answer.status_code}: {answer.text.strip()[:500]}"
        )
    # A reload restarts the notifier: wait until it knows Alertmanager again, so no alert
    # that changes state right after is dropped for want of a destination.
    deadline = time.monotonic() + RELOAD_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        found = session.get(f"{prometheus.base_url}/api/v1/alertmanagers", timeout=5).json()
        if (found.get("data") or {}).get("activeAlertmanagers"):
            return
        time.sleep(0.05)
    raise HarnessError(PROMETHEUS, "after the config reload, Prometheus knows no Alertmanager")
