"""POST /process on Starlette's Request, composing the service's own gates and executor call."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bench.fastapi_twin.responses import deny_envelope, envelope, json_body
from service.access import DecisionRecorder
from service.actions import BoundAction
from service.audit import AuditWriter
from service.audit.journal import RequestJournal
from service.execution import execute
from service.executors.base import ExecutionRequest
from service.gates import Deny
from service.gates.authn import AuthnGate
from service.gates.authz import AuthzGate
from service.gates.input import JSON_CONTENT_TYPE, UNSUPPORTED_MEDIA_TYPE, InputGate
from service.gates.json_safety import find_unsafe
from service.gates.rate_limit import RateLimitGate
from service.key_verifier import Principal
from service.metrics import ServiceMetrics

PROCESS_ROUTE = "/process"


def _input_deny(status: int, reason: str, message: str) -> Deny:
    return Deny(gate="input", status=status, reason=reason, message=message)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class TwinPipeline:
    """The same gates in the same order as service.pipeline.Pipeline, on Starlette types."""

    def __init__(
        self,
        *,
        authn: AuthnGate,
        rate_limit: RateLimitGate,
        input_gate: InputGate,
        authz: AuthzGate,
        actions: Mapping[str, BoundAction],
        audit: AuditWriter,
        metrics: ServiceMetrics,
        max_body_bytes: int,
        executor_timeout_seconds: float,
    ) -> None:
        self._authn = authn
        self._rate_limit = rate_limit
        self._input = input_gate
        self._authz = authz
        self._actions = actions
        self._audit = audit
        # The journal's start is framework-free; its end takes an aiohttp Response, so
        # REQUEST_END is emitted in `_end` below with the same fields.
        self._journal = RequestJournal(audit)
        self._recorder = DecisionRecorder(audit, metrics)
        self._metrics = metrics
        self._max_body_bytes = max_body_bytes
        self._too_large = _input_deny(
            413, "PAYLOAD_TOO_LARGE", f"the body must be at most {max_body_bytes} bytes"
        )
        self._timeout = executor_timeout_seconds

    async def handle(self, request: Request) -> Response:
        """Run G1, G2, G3-G7 and G10, then the executor, and answer."""
        trace_id: str = request.state.trace_id
        started = self._journal.start(trace_id, request.method, PROCESS_ROUTE)
        principal = await self._admit(request, trace_id)
        if isinstance(principal, Deny):
            return await self._blocked(trace_id, started, principal)
        key_id = principal.key_id
        document = await self._read_json_object(request)
        checked = document if isinstance(document, Deny) else self._input.check_process(document)
        if isinstance(checked, Deny):
            self._recorder.deny(trace_id, checked, key_id)
            return await self._blocked(trace_id, started, checked)
        self._recorder.allow(trace_id, "input", key_id)
        forbidden = self._authz.check_action(principal, checked.action, checked.context_id)
        if forbidden is not None:
            self._recorder.deny(trace_id, forbidden, key_id)
            return await self._blocked(trace_id, started, forbidden)
        self._recorder.allow(trace_id, "authz", key_id)

        bound = self._actions[checked.action]
        executor_id = bound.spec.executor_id
        self._audit.emit(
            trace_id,
            "EXECUTOR_SELECTED",
            key_id=key_id,
            action=checked.action,
            context_id=checked.context_id,
            executor_id=executor_id,
        )
        run = await execute(
            bound,
            ExecutionRequest(trace_id, checked.action, checked.context_id, checked.payload),
            timeout_seconds=self._timeout,
        )
        duration_ms = round(run.seconds * 1000, 3)
        self._metrics.observe_executor(executor_id, run.outcome, run.seconds)
        self._audit.emit(
            trace_id,
            "ACTION_EXECUTED",
            executor_id=executor_id,
            outcome=run.outcome,
            duration_ms=duration_ms,
        )
        if run.failure is not None:
            self._metrics.count_pipeline("failed")
            self._metrics.count_result("FAILED")
            failed = envelope(run.failure.status, trace_id, (run.failure.reason,), run.message)
            return await self._end(trace_id, started, failed, "failed", (run.failure.reason,))
        self._metrics.count_pipeline("success")
        self._metrics.count_result("SUCCESS")
        response = json_body(
            {
                "trace_id": trace_id,
                "status": "SUCCESS",
                "result": run.result,
                "executor_id": executor_id,
                "execution_time_ms": duration_ms,
            }
        )
        return await self._end(trace_id, started, response, "success")

    async def _admit(self, request: Request, trace_id: str) -> Principal | Deny:
        principal = await self._authn.check(request.headers)
        if isinstance(principal, Deny):
            self._recorder.deny(trace_id, principal, None)
            return principal
        self._recorder.allow(trace_id, "authn", principal.key_id)
        limited = self._rate_limit.check(principal.key_id)
        if limited is not None:
            self._recorder.deny(trace_id, limited, principal.key_id)
            return limited
        self._recorder.allow(trace_id, "rate_limit", principal.key_id)
        return principal

    async def _read_json_object(self, request: Request) -> dict[str, Any] | Deny:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self._max_body_bytes:
            return self._too_large
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != JSON_CONTENT_TYPE:
            return UNSUPPORTED_MEDIA_TYPE
        body = await request.body()
        if len(body) > self._max_body_bytes:
            return self._too_large
        try:
            document = json.loads(body, parse_constant=_reject_constant)
        except RecursionError:
            return _input_deny(422, "UNSAFE_STRING", "body: nested too deeply")
        except ValueError:
            return _input_deny(400, "INVALID_JSON", "the body is not valid UTF-8 JSON")
        if not isinstance(document, dict):
            return _input_deny(400, "INVALID_JSON", "the body must be a JSON object")
        unsafe = find_unsafe(document)
        return document if unsafe is None else _input_deny(422, "UNSAFE_STRING", unsafe)

    async def _blocked(self, trace_id: str, started: float, deny: Deny) -> Response:
        self._metrics.count_pipeline("denied")
        self._metrics.count_result("BLOCKED")
        return await self._end(
            trace_id, started, deny_envelope(deny, trace_id), "denied", (deny.reason,)
        )

    async def _end(
        self,
        trace_id: str,
        started: float,
        response: Response,
        outcome: str,
        reason_codes: Sequence[str] = (),
    ) -> Response:
        self._audit.emit(
            trace_id,
            "REQUEST_END",
            status=response.status_code,
            outcome=outcome,
            reason_codes=list(reason_codes),
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        )
        await self._audit.commit()
        return response
