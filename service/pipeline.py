"""POST /process: compose the gates, then select, run and check the executor."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from service.access import AccessGates
from service.actions import BoundAction
from service.audit.journal import RequestJournal
from service.execution import execute
from service.executors.base import ExecutionRequest
from service.gates import Deny
from service.gates.authz import AuthzGate
from service.gates.input import InputGate
from service.metrics import ServiceMetrics
from service.responses import deny_response, error_response, json_response

PROCESS_ROUTE = "/process"


class Pipeline:
    """The gated pipeline; the first Deny ends the request."""

    def __init__(
        self,
        *,
        access: AccessGates,
        input_gate: InputGate,
        authz: AuthzGate,
        actions: Mapping[str, BoundAction],
        journal: RequestJournal,
        metrics: ServiceMetrics,
        executor_timeout_seconds: float,
    ) -> None:
        self._access = access
        self._input = input_gate
        self._authz = authz
        self._actions = actions
        self._journal = journal
        self._audit = journal.audit
        self._recorder = access.recorder
        self._metrics = metrics
        self._timeout = executor_timeout_seconds

    async def handle(self, request: web.Request, trace_id: str) -> web.Response:
        """Run every gate in order, then the executor, and answer."""
        started = self._journal.start(trace_id, request.method, PROCESS_ROUTE)
        principal = await self._access.admit(request, trace_id)
        if isinstance(principal, Deny):
            return await self._blocked(trace_id, started, principal)
        key_id = principal.key_id
        document = await self._input.read_json_object(request)
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
        failure = run.failure
        if failure is not None:
            self._metrics.count_pipeline("failed")
            self._metrics.count_result("FAILED")
            response = error_response(failure.status, trace_id, (failure.reason,), run.message)
            return await self._journal.end(trace_id, started, response, "failed", (failure.reason,))
        self._metrics.count_pipeline("success")
        self._metrics.count_result("SUCCESS")
        response = json_response(
            {
                "trace_id": trace_id,
                "status": "SUCCESS",
                "result": run.result,
                "executor_id": executor_id,
                "execution_time_ms": duration_ms,
            }
        )
        return await self._journal.end(trace_id, started, response, "success")

    async def _blocked(self, trace_id: str, started: float, deny: Deny) -> web.Response:
        self._metrics.count_pipeline("denied")
        self._metrics.count_result("BLOCKED")
        response = deny_response(deny, trace_id)
        return await self._journal.end(trace_id, started, response, "denied", (deny.reason,))
