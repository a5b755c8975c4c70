"""G1 + G2 for every gated route, and the recording of each gate decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import get_args

from service.audit.journal import RequestRecord
from service.credentials.key_verifier import Principal
from service.gates import ALLOW_REASON, Deny, GateName
from service.gates.authn import AuthnGate
from service.gates.client_address import ClientAddresses
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


@dataclass(frozen=True)
class AnonymousLimit:
    """The per-client-address budget for requests without a valid credential."""

    buckets: RateLimitGate
    addresses: ClientAddresses


class AccessGates:
    """Authenticate (G1) then rate-limit (G2) a request, recording both decisions.

    With an AnonymousLimit, requests that present no valid credential spend
    their client address's budget; once it is spent they get 429 and, unless
    they name a key id that exists, skip authentication altogether.
    """

    def __init__(
        self,
        authn: AuthnGate,
        rate_limit: RateLimitGate | RedisRateLimitGate,
        recorder: DecisionRecorder,
        anonymous: AnonymousLimit | None = None,
    ) -> None:
        self._authn = authn
        self._rate_limit = rate_limit
        self.recorder = recorder
        self._anonymous = anonymous

    async def admit(
        self, headers: Mapping[str, str], record: RequestRecord, peer: str | None = None
    ) -> Principal | Deny:
        """Return the caller's principal, or the first gate's Deny (only headers are read)."""
        anonymous = self._anonymous
        source = None
        if anonymous is not None:
            source = anonymous.addresses.of(peer, headers)
            # Over budget: refused before any key lookup or hash, unless it names a real key.
            exhausted = anonymous.buckets.exhausted(source)
            if exhausted and not await self._authn.names_a_real_key(headers):
                limited = self._spend(record, source)
                if limited is not None:
                    return limited
        principal = await self._authn.check(headers)
        if isinstance(principal, Deny):
            if source is not None:
                limited = self._spend(record, source)
                if limited is not None:
                    return limited
            self.recorder.deny(record, principal, None)
            return principal
        record.source = None  # authenticated after all: audited as usual
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

    def _spend(self, record: RequestRecord, source: str) -> Deny | None:
        """Spend one of `source`'s anonymous tokens; the 429 (recorded) once none is left."""
        assert self._anonymous is not None
        record.source = source
        limited = self._anonymous.buckets.check(source)
        if limited is not None:
            self.recorder.deny(record, limited, None)
        return limited
