"""POST /sessions (with an API key) and DELETE /sessions/current (with the session token)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from service.audit.journal import RequestRecord
from service.credentials.key_verifier import Principal
from service.credentials.session_verifier import SessionVerifier
from service.credentials.sessions import MIN_TTL_SECONDS, create_session
from service.gates import Deny
from service.gates.authz import AuthzGate
from service.gates.input import InputGate
from service.http.gated_route import Answer, GatedRoutes
from service.http.responses import error_response, json_response
from service.pipeline.schema_errors import compile_schema
from service.storage.base import SessionStore

SESSIONS_ROUTE = "/sessions"
CURRENT_SESSION_ROUTE = "/sessions/current"
SESSION_REQUIRED = "SESSION_REQUIRED"
_NOT_A_SESSION = (
    "DELETE /sessions/current ends the session whose token authenticates the request; "
    "this request used an API key"
)


def session_create_schema(max_ttl_seconds: int) -> dict[str, Any]:
    """Return the JSON Schema of the POST /sessions body (an empty body is allowed too)."""
    return {
        "type": "object",
        "properties": {
            "ttl_seconds": {
                "type": "integer",
                "minimum": MIN_TTL_SECONDS,
                "maximum": max_ttl_seconds,
                "description": f"Lifetime in seconds; default and maximum {max_ttl_seconds}.",
            },
        },
        "additionalProperties": False,
    }


class SessionApi:
    """Issue sessions to API-key callers and let a session end itself."""

    def __init__(
        self,
        *,
        routes: GatedRoutes,
        authz: AuthzGate,
        input_gate: InputGate,
        store: SessionStore,
        sessions: SessionVerifier,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._routes = routes
        self._authz = authz
        self._input = input_gate
        self._store = store
        self._sessions = sessions
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._create_check = compile_schema(session_create_schema(ttl_seconds))

    async def create(self, request: web.Request, trace_id: str) -> web.Response:
        """POST /sessions: issue a session of the caller's key; the token is shown once (201)."""

        async def run(principal: Principal, record: RequestRecord) -> Answer:
            # No body at all means "the configured TTL", so a bare POST needs no Content-Type.
            document: dict[str, Any] | Deny = {}
            if request.body_exists:
                document = await self._input.read_checked(request, self._create_check)
            if isinstance(document, Deny):
                return self._routes.refuse(record, document, principal)
            self._routes.recorder.allow(record, "input", principal.key_id)
            # The schema admits 600.0 as an integer; the session wants whole seconds.
            ttl_seconds = int(document.get("ttl_seconds", self._ttl_seconds))
            now = datetime.fromtimestamp(self._clock(), UTC)
            issued = await create_session(
                self._store, key_id=principal.key_id, ttl_seconds=ttl_seconds, now=now
            )
            session = issued.record
            expires_at = session.expires_at.isoformat()
            record.event(
                "SESSION_CREATED",
                session_id=session.session_id,
                key_id=session.key_id,
                expires_at=expires_at,
            )
            body = {
                "session_id": session.session_id,
                "token": issued.token,
                "key_id": session.key_id,
                "role": principal.role,
                "expires_at": expires_at,
            }
            return json_response(body, status=201), None

        return await self._routes.answer(
            request, trace_id, SESSIONS_ROUTE, run, authorize=self._authz.check_credential_minting
        )

    async def end(self, request: web.Request, trace_id: str) -> web.Response:
        """DELETE /sessions/current: end the presented session; it fails from the next request."""

        async def run(principal: Principal, record: RequestRecord) -> Answer:
            session_id = principal.session_id
            if session_id is None:
                response = error_response(400, trace_id, (SESSION_REQUIRED,), _NOT_A_SESSION)
                return response, SESSION_REQUIRED
            await self._store.end_session(session_id, datetime.fromtimestamp(self._clock(), UTC))
            self._sessions.forget(session_id)
            record.event("SESSION_ENDED", session_id=session_id, key_id=principal.key_id)
            return web.Response(status=204), None

        return await self._routes.answer(request, trace_id, CURRENT_SESSION_ROUTE, run)
