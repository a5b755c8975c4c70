"""Run a route other than /process behind G1, G2 and an authorization check, fully audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from service.audit.journal import RequestJournal, RequestRecord
from service.credentials.key_verifier import Principal
from service.gates import Deny
from service.http.failures import end_failed
from service.http.observe import CORRELATION_ID
from service.http.responses import deny_response
from service.pipeline.access import AccessGates

# A route's answer and, when it refused, the reason code for the audit log.
Answer = tuple[web.Response, str | None]
RouteWork = Callable[[Principal, RequestRecord], Awaitable[Answer]]
Authorize = Callable[[Principal], Deny | None]


class GatedRoutes:
    """Bracket a route in REQUEST_START ... REQUEST_END with every gate decision recorded."""

    def __init__(self, access: AccessGates, journal: RequestJournal) -> None:
        self._access = access
        self._journal = journal
        self.recorder = access.recorder

    async def answer(
        self,
        request: web.Request,
        trace_id: str,
        route: str,
        work: RouteWork,
        *,
        authorize: Authorize | None = None,
    ) -> web.Response:
        """Admit the caller, authorize it when a check is given, then run `work`."""
        record = self._journal.start(trace_id, request.method, route, request.get(CORRELATION_ID))
        try:
            principal = await self._access.admit(request.headers, record, request.remote)
            if not isinstance(principal, Deny) and authorize is not None:
                forbidden = authorize(principal)
                if forbidden is None:
                    self.recorder.allow(record, "authz", principal.key_id)
                else:
                    self.recorder.deny(record, forbidden, principal.key_id)
                    principal = forbidden
            if isinstance(principal, Deny):
                response = deny_response(principal, trace_id)
                await record.end(response.status, "denied", (principal.reason,))
                return response
            response, refused = await work(principal, record)
            if refused is None:
                await record.end(response.status, "success")
            else:
                await record.end(response.status, "denied", (refused,))
            return response
        except Exception as exc:
            await end_failed(record, exc)
            raise

    def refuse(self, record: RequestRecord, deny: Deny, principal: Principal) -> Answer:
        """Record a gate's Deny inside `work` and return the answer for it."""
        self.recorder.deny(record, deny, principal.key_id)
        return deny_response(deny, record.trace_id), deny.reason
