"""G1 + G2 for every gated route, and the recording of each gate decision."""

from __future__ import annotations

from aiohttp import web

from service.audit import AuditWriter
from service.gates import ALLOW_REASON, Deny, GateName
from service.gates.authn import AuthnGate
from service.gates.rate_limit import RateLimitGate
from service.key_verifier import Principal
from service.metrics import ServiceMetrics


class DecisionRecorder:
    """Write each gate decision to the audit log and the gate decision counter."""

    def __init__(self, audit: AuditWriter, metrics: ServiceMetrics) -> None:
        self._audit = audit
        self._metrics = metrics

    def allow(self, trace_id: str, gate: GateName, key_id: str | None) -> None:
        """Record an ALLOW."""
        self._metrics.count_gate(gate, "ALLOW", ALLOW_REASON)
        self._audit.emit(
            trace_id, "DECISION", gate=gate, decision="ALLOW", reason=ALLOW_REASON, key_id=key_id
        )

    def deny(self, trace_id: str, deny: Deny, key_id: str | None) -> None:
        """Record a DENY (the message stays out of the log: it may name payload fields)."""
        self._metrics.count_gate(deny.gate, "DENY", deny.reason)
        self._audit.emit(
            trace_id, "DECISION", gate=deny.gate, decision="DENY", reason=deny.reason, key_id=key_id
        )


class AccessGates:
    """Authenticate (G1) then rate-limit (G2) a request, recording both decisions."""

    def __init__(
        self, authn: AuthnGate, rate_limit: RateLimitGate, recorder: DecisionRecorder
    ) -> None:
        self._authn = authn
        self._rate_limit = rate_limit
        self.recorder = recorder

    async def admit(self, request: web.Request, trace_id: str) -> Principal | Deny:
        """Return the caller's principal, or the first gate's Deny."""
        principal = await self._authn.check(request.headers)
        if isinstance(principal, Deny):
            self.recorder.deny(trace_id, principal, None)
            return principal
        self.recorder.allow(trace_id, "authn", principal.key_id)
        limited = self._rate_limit.check(principal.key_id)
        if limited is not None:
            self.recorder.deny(trace_id, limited, principal.key_id)
            return limited
        self.recorder.allow(trace_id, "rate_limit", principal.key_id)
        return principal
