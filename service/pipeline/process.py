"""POST /process: compose the gates, then select, run and check the executor."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from service.audit.journal import RequestJournal, RequestRecord
from service.executors.base import ExecutionRequest
from service.gates import Deny
from service.gates.authz import AuthzGate
from service.gates.input import InputGate
from service.http.failures import end_failed
from service.http.observe import CORRELATION_ID
from service.http.responses import deny_response, error_response, success_response
from service.metrics import ServiceMetrics
from service.pipeline.access import AccessGates
from service.pipeline.actions import BoundAction
from service.pipeline.execution import execute

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
        self._recorder = access.recorder
        self._metrics = metrics
        self._count_success = metrics.outcome_counter("success")
        self._count_failed = metrics.outcome_counter("failed")
        self._count_denied = metrics.outcome_counter("denied")
        self._timeout = executor_timeout_seconds

    async def handle(self, request: web.Request, trace_id: str) -> web.Response:
        """Run every gate in order, then the executor, and answer."""
        record = self._journal.start(
            trace_id, request.method, PROCESS_ROUTE, request.get(CORRELATION_ID)
        )
        try:
            principal = await self._access.admit(request.headers, record, request.remote)
            if isinstance(principal, Deny):
                return await self._blocked(record, principal)
            key_id = principal.key_id
            document = await self._input.read_json_object(request)
            checked = (
                document if isinstance(document, Deny) else self._input.check_process(document)
            )
            if isinstance(checked, Deny):
                self._recorder.deny(record, checked, key_id)
                return await self._blocked(record, checked)
            self._recorder.allow(record, "input", key_id)
            action = checked.action
            forbidden = self._authz.check_action(principal, action, checked.context_id)
            if forbidden is not None:
                self._recorder.deny(record, forbidden, key_id)
                return await self._blocked(record, forbidden)
            self._recorder.allow(record, "authz", key_id)

            bound = self._actions[action]
            executor_id = bound.spec.executor_id
            record.executor_selected(key_id, action, checked.context_id, executor_id)
            run = await execute(
                bound,
                ExecutionRequest(trace_id, action, checked.context_id, checked.payload),
                timeout_seconds=self._timeout,
            )
            duration_ms = round(run.seconds * 1000, 3)
            self._metrics.observe_executor(executor_id, run.outcome, run.seconds)
            record.action_executed(executor_id, run.outcome, duration_ms)
            failure = run.failure
            if failure is not None:
                self._count_failed()
                response = error_response(failure.status, trace_id, (failure.reason,), run.message)
                await record.end(response.status, "failed", (failure.reason,))
                return response
            self._count_success()
            response = success_response(trace_id, run.result, executor_id, duration_ms)
            await record.end(response.status, "success")
            return response
        except Exception as exc:
            # A 500 or 503 (key store down, audit log down) leaves its events too.
            await end_failed(record, exc)
            raise

    async def _blocked(self, record: RequestRecord, deny: Deny) -> web.Response:
        self._count_denied()
        response = deny_response(deny, record.trace_id)
        await record.end(response.status, "denied", (deny.reason,))
        return response
