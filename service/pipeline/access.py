"""G1 + G2 for every gated route, and the recording of each gate decision."""

from __future__ import annotations

from collections.abc import Mapping
from typing import get_args

from service.audit.journal import RequestRecord
from service.credentials.key_verifier import Principal
from service.gates import ALLOW_REASON, Deny, GateName
from service.gates.authn import AuthnGate
from service.gates.rate_limit import RateLimitGate
from service.gates.rate_limit_redis import RateLimitUnavailable, RedisRateLimitGate
from service.metrics import ServiceMetrics


class DecisionRecorder:
    """Write each gate decision to the audit log and the gate decision counter."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._metrics = metrics
        self._count_allow = {
            gate: metrics.gate_counter(gate, "ALLOW", ALLOW_REASON) for gate in get_args(GateName)
        }

    def allow(self, record: RequestRecord, gate: GateName, key_id: str | None) -> None:
        """Record an ALLOW."""
        self._count_allow[gate]()
        record.decision(gate, "ALLOW", ALLOW_REASON, key_id)

    def deny(self, record: RequestRecord, deny: Deny, key_id: str | None) -> None:
        """Record a DENY (the message stays out of the log: it may name payload fields)."""
        self._metrics.count_gate(deny.gate, "DENY", deny.reason)
        record.decision(deny.gate, "DENY", deny.reason, key_id)


class AccessGates:
    """Authenticate (G1) then rate-limit (G2) a request, recording both decisions."""

    def __init__(
        self,
        authn: AuthnGate,
        rate_limit: RateLimitGate | RedisRateLimitGate,
        recorder: DecisionRecorder,
    ) -> None:
        self._authn = authn
        self._rate_limit = rate_limit
        self.recorder = recorder

    async def admit(self, headers: Mapping[str, str], record: RequestRecord) -> Principal | Deny:
        """Return the caller's principal, or the first gate's Deny (only headers are read)."""
        principal = await self._authn.check(headers)
        if isinstance(principal, Deny):
            self.recorder.deny(record, principal, None)
            return principal
        record.session_id = principal.session_id
        self.recorder.allow(record, "authn", principal.key_id)
        rate_limit = self._rate_limit
        # The in-process bucket stays a plain call: no await, no allocation when allowed.
        if isinstance(rate_limit, RateLimitGate):
            limited = rate_limit.check(principal.key_id)
        else:
            try:
                limited = await rate_limit.check(principal.key_id)
            except RateLimitUnavailable as exc:
                # Not a decision about the caller but a failed dependency, like an
                # unreachable key store: answered with 503, recorded in REQUEST_END only.
                return exc.deny
        if limited is not None:
            self.recorder.deny(record, limited, principal.key_id)
            return limited
        self.recorder.allow(record, "rate_limit", principal.key_id)
        return principal
