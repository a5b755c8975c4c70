"""POST /process on Starlette's Request, composing the service's own gates and executor call."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bench.fastapi_twin.responses import deny_envelope, envelope, json_body
from service.audit import AuditWriter
from service.audit.journal import RequestJournal, RequestRecord
from service.executors.base import ExecutionRequest
from service.gates import Deny
from service.gates.authz import AuthzGate
from service.gates.input import JSON_CONTENT_TYPE, UNSUPPORTED_MEDIA_TYPE, InputGate
from service.gates.json_safety import find_unsafe
from service.metrics import ServiceMetrics
from service.pipeline.access import AccessGates
from service.pipeline.actions import BoundAction
from service.pipeline.execution import execute

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
        access: AccessGates,
        input_gate: InputGate,
        authz: AuthzGate,
        actions: Mapping[str, BoundAction],
        audit: AuditWriter,
        metrics: ServiceMetrics,
        max_body_bytes: int,
        executor_timeout_seconds: float,
    ) -> None:
        self._access = access
        self._input = input_gate
        self._authz = authz
        self._actions = actions
        self._journal = RequestJournal(audit)
        self._recorder = access.recorder
        self._metrics = metrics
        self._count_success = metrics.outcome_counter("success")
        self._count_failed = metrics.outcome_counter("failed")
        self._count_denied = metrics.outcome_counter("denied")
        self._max_body_bytes = max_body_bytes
        self._too_large = _input_deny(
            413, "PAYLOAD_TOO_LARGE", f"the body must be at most {max_body_bytes} bytes"
        )
        self._timeout = executor_timeout_seconds

    async def handle(self, request: Request) -> Response:
        """Run G1, G2, G3-G7 and G10, then the executor, and answer."""
        trace_id: str = request.state.trace_id
        record = self._journal.start(trace_id, request.method, PROCESS_ROUTE)
        principal = await self._access.admit(request.headers, record)
        if isinstance(principal, Deny):
            return await self._blocked(record, principal)
        key_id = principal.key_id
        document = await self._read_json_object(request)
        checked = document if isinstance(document, Deny) else self._input.check_process(document)
        if isinstance(checked, Deny):
            self._recorder.deny(record, checked, key_id)
            return await self._blocked(record, checked)
        self._recorder.allow(record, "input", key_id)
        forbidden = self._authz.check_action(principal, checked.action, checked.context_id)
        if forbidden is not None:
            self._recorder.deny(record, forbidden, key_id)
            return await self._blocked(record, forbidden)
        self._recorder.allow(record, "authz", key_id)

        bound = self._actions[checked.action]
        executor_id = bound.spec.executor_id
        record.executor_selected(key_id, checked.action, checked.context_id, executor_id)
        run = await execute(
            bound,
            ExecutionRequest(trace_id, checked.action, checked.context_id, checked.payload),
            timeout_seconds=self._timeout,
        )
        duration_ms = round(run.seconds * 1000, 3)
        self._metrics.observe_executor(executor_id, run.outcome, run.seconds)
        record.action_executed(executor_id, run.outcome, duration_ms)
        if run.failure is not None:
            self._count_failed()
            failed = envelope(run.failure.status, trace_id, (run.failure.reason,), run.message)
            await record.end(failed.status_code, "failed", (run.failure.reason,))
            return failed
        self._count_success()
        response = json_body(
            {
                "trace_id": trace_id,
                "status": "SUCCESS",
                "result": run.result,
                "executor_id": executor_id,
                "execution_time_ms": duration_ms,
            }
        )
        await record.end(response.status_code, "success")
        return response

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

    async def _blocked(self, record: RequestRecord, deny: Deny) -> Response:
        self._count_denied()
        response = deny_envelope(deny, record.trace_id)
        await record.end(response.status_code, "denied", (deny.reason,))
        return response
