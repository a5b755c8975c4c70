"""Start the stack from its spec on a runtime, in order, and always tear it down."""

from __future__ import annotations

import json
import secrets
from contextlib import ExitStack
from dataclasses import asdict
from types import TracebackType
from typing import Self

from contract.errors import HarnessError
from contract.evidence import Evidence
from contract.progress import Progress
from contract.runtime.base import Component, Launch, Runtime
from contract.spec import (
    BACKEND,
    GRAFANA,
    UPSTREAM,
    WEBHOOK,
    GrafanaSettings,
    Placement,
    StackSpec,
    backend_env,
    grafana_admin_user,
)
from contract.timings import Timings
from contract.webhook import WebhookReceiver

# Runtime-independent backend settings for a contract run.
BACKEND_ENV = {
    "TECHNO_MODE": "staging",
    # The contract proves the stack, not disk latency: buffered audit keeps traffic fast.
    "TECHNO_AUDIT_DURABILITY": "buffered",
    # The fire drill's bounded load must reach the volume alert, not the per-key limit.
    "TECHNO_RATE_LIMIT_PER_MINUTE": "1000000",
    # The bad-keys drill sends 5 unknown keys/s from one address: past the default budget of
    # 60 a minute they would turn from authn denies into rate_limit denies mid-drill.
    "TECHNO_UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE": "1000000",
    # Retries with backoff make a failing upstream slow as well as failing, which would fire
    # the latency alerts in the failing-upstream drill: each alert is drilled on its own.
    "TECHNO_LLM_MAX_RETRIES": "0",
}
CONTRACT_KEY_ROLE = "operator"
# Only admin may run the chat action, which the fire drill fails and slows via its upstream.
CHAT_KEY_ROLE = "admin"


class Stack:
    """The running stack: components by name, the operator key and the webhook receiver."""

    def __init__(
        self,
        spec: StackSpec,
        runtime: Runtime,
        *,
        evidence: Evidence,
        progress: Progress,
        timings: Timings,
        ready_timeout: float,
    ) -> None:
        self.spec = spec
        self.runtime = runtime
        self.evidence = evidence
        self.progress = progress
        self.timings = timings
        self.ready_timeout = ready_timeout
        self.components: dict[str, Component] = {}
        self.grafana = GrafanaSettings(
            grafana_admin_user(spec.artifacts) if spec.has(GRAFANA) else "admin",
            secrets.token_urlsafe(18),
        )
        self._api_key: str | None = None
        self._chat_key: str | None = None
        self._placement: Placement | None = None
        self._running = ExitStack()

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _start(self) -> None:
        self.evidence.redact.add(self.grafana.admin_password)
        with self.timings.phase("start"):
            placement = self.runtime.place(self.spec)
            self._placement = placement
            self._record_placement(placement)
            # Create every component first so a missing binary fails before anything runs.
            for component_spec in self.spec.components:
                name = component_spec.name
                rendered = self.spec.render(name, placement)
                for relative, text in rendered.files.items():
                    self.evidence.write_text(f"configs/{name}/{relative}", text)
                if rendered.rewrites:
                    self.evidence.write_json(
                        f"configs/{name}/rewrites.json", [asdict(r) for r in rendered.rewrites]
                    )
                env = self._env(name, placement)
                launch = Launch(component_spec, rendered, env, self.ready_timeout)
                self.components[name] = self.runtime.create(launch, self.progress)
        for name, component in self.components.items():
            with self.timings.phase("ready"):
                self._running.enter_context(component)
            self.timings.add(f"component.{name}.spawn", component.spawn_seconds)
            self.timings.add(f"component.{name}.ready", component.ready_seconds)
            if name == BACKEND:
                self._api_key = self._create_api_key(component, CONTRACT_KEY_ROLE, "contract")
                self._chat_key = self._create_api_key(component, CHAT_KEY_ROLE, "contract-chat")

    def _env(self, name: str, placement: Placement) -> dict[str, str]:
        if name == BACKEND:
            env = {**BACKEND_ENV, **backend_env(placement)}
            if self.spec.has(UPSTREAM):
                env["TECHNO_LLM_URL"] = placement.internal[UPSTREAM].url()
            return env
        return self.grafana.env() if name == GRAFANA else {}

    def _record_placement(self, placement: Placement) -> None:
        self.evidence.write_json(
            "configs/placement.json",
            {
                "runtime": self.runtime.name,
                "internal": {k: v.netloc for k, v in placement.internal.items()},
                "listen": {k: v.netloc for k, v in placement.listen.items()},
                "artifact_root": str(placement.artifact_root),
            },
        )

    def _create_api_key(self, backend: Component, role: str, name: str) -> str:
        out = backend.run_cli(["keys", "create", "--role", role, "--name", name, "--json"])
        try:
            answer = json.loads(out)
            key = str(answer["api_key"])
        except (ValueError, KeyError, TypeError) as exc:
            # Never echo `out`: it holds the secret.
            raise HarnessError(
                BACKEND, "`keys create --json` did not print a JSON object with api_key"
            ) from exc
        self.evidence.redact.add(key)
        self.progress.say(
            BACKEND, f"created the run's {role} API key {name!r} (key id {answer.get('key_id')})"
        )
        return key

    @property
    def api_key(self) -> str:
        """Return the operator key for traffic (never print it)."""
        if self._api_key is None:
            raise HarnessError(BACKEND, "no API key: the backend never became ready")
        return self._api_key

    @property
    def chat_key(self) -> str:
        """Return the key allowed to run the chat action (never print it)."""
        if self._chat_key is None:
            raise HarnessError(BACKEND, "no chat API key: the backend never became ready")
        return self._chat_key

    @property
    def placement(self) -> Placement:
        """Return where the runtime put the components."""
        if self._placement is None:
            raise HarnessError("stack", "the stack was never placed")
        return self._placement

    def url(self, name: str) -> str:
        """Return the base URL the harness reaches the named component on."""
        return self.component(name).base_url

    def component(self, name: str) -> Component:
        """Return the named component (it must be part of this run)."""
        try:
            return self.components[name]
        except KeyError:
            raise HarnessError(name, "is not part of this run") from None

    @property
    def webhook(self) -> WebhookReceiver:
        """Return the webhook receiver."""
        receiver = self.component(WEBHOOK)
        assert isinstance(receiver, WebhookReceiver)
        return receiver

    def close(self) -> None:
        """Stop every component (reverse start order), save logs and free the runtime."""
        with self.timings.phase("teardown"):
            try:
                self._running.close()
            finally:
                for name, component in self.components.items():
                    self.evidence.write_text(f"components/{name}.log", component.logs())
                try:
                    self.runtime.collect_evidence(self.evidence)
                finally:
                    self.runtime.close()
