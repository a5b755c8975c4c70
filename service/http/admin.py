"""The key administration API under /admin/keys (roles with manage_keys only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from service.audit.journal import RequestRecord
from service.credentials.key_verifier import KeyVerifier, Principal
from service.credentials.keys import (
    KEY_ID_RE,
    MAX_EXPIRES_IN_DAYS,
    MAX_NAME_CHARS,
    create_key,
    key_to_json,
)
from service.gates import Deny
from service.gates.authz import AuthzGate
from service.gates.input import InputGate
from service.http.gated_route import Answer, GatedRoutes
from service.http.responses import error_response, json_response
from service.pipeline.schema_errors import compile_schema
from service.storage.base import KeyStore

KEYS_ROUTE = "/admin/keys"
KEY_ROUTE = "/admin/keys/{key_id}"
KEY_NOT_FOUND = "KEY_NOT_FOUND"
SHOWN_ONCE_WARNING = "store api_key now: it is shown only once and cannot be recovered"


def key_create_schema(roles: tuple[str, ...]) -> dict[str, Any]:
    """Return the JSON Schema of the POST /admin/keys body."""
    return {
        "type": "object",
        "properties": {
            "role": {"enum": list(roles)},
            "name": {"type": "string", "maxLength": MAX_NAME_CHARS},
            "expires_in_days": {"type": "integer", "minimum": 1, "maximum": MAX_EXPIRES_IN_DAYS},
        },
        "required": ["role"],
        "additionalProperties": False,
    }


class AdminApi:
    """Create, list and revoke API keys through the same gates as /process."""

    def __init__(
        self,
        *,
        routes: GatedRoutes,
        authz: AuthzGate,
        input_gate: InputGate,
        store: KeyStore,
        verifier: KeyVerifier,
        roles: tuple[str, ...],
    ) -> None:
        self._routes = routes
        self._authz = authz
        self._input = input_gate
        self._store = store
        self._verifier = verifier
        self._create_validator = compile_schema(key_create_schema(roles))

    async def create(self, request: web.Request, trace_id: str) -> web.Response:
        """POST /admin/keys: create a key and return its secret once (201)."""

        async def run(principal: Principal, record: RequestRecord) -> Answer:
            document = await self._input.read_checked(request, self._create_validator)
            if isinstance(document, Deny):
                return self._routes.refuse(record, document, principal)
            expires = document.get("expires_in_days")
            try:
                issued = await create_key(
                    self._store,
                    role=document["role"],
                    name=document.get("name", ""),
                    # The schema admits 2.0 as an integer; the key store wants whole days.
                    expires_in_days=None if expires is None else int(expires),
                )
            except ValueError as exc:
                # Rules the schema cannot express (printable names) still answer 422.
                denied = Deny("input", 422, "SCHEMA_VIOLATION", str(exc))
                return self._routes.refuse(record, denied, principal)
            self._routes.recorder.allow(record, "input", principal.key_id)
            self._verifier.invalidate()
            record.event(
                "KEY_CREATED",
                key_id=issued.record.key_id,
                role=issued.record.role,
                actor=principal.key_id,
            )
            body = {**key_to_json(issued.record), "api_key": issued.api_key}
            body["warning"] = SHOWN_ONCE_WARNING
            return json_response(body, status=201), None

        return await self._routes.answer(
            request, trace_id, KEYS_ROUTE, run, authorize=self._may_create_keys
        )

    async def list(self, request: web.Request, trace_id: str) -> web.Response:
        """GET /admin/keys: every key without its secret."""

        async def run(principal: Principal, record: RequestRecord) -> Answer:
            keys = await self._store.list_keys()
            return json_response({"keys": [key_to_json(record) for record in keys]}), None

        return await self._routes.answer(
            request, trace_id, KEYS_ROUTE, run, authorize=self._authz.check_key_admin
        )

    async def revoke(self, request: web.Request, trace_id: str) -> web.Response:
        """DELETE /admin/keys/{key_id}: revoke a key; it fails from the next request on."""

        async def run(principal: Principal, record: RequestRecord) -> Answer:
            key_id = request.match_info["key_id"]
            revoked = None
            if KEY_ID_RE.match(key_id):
                revoked = await self._store.revoke_key(key_id, datetime.now(UTC))
            if revoked is None:
                response = error_response(404, trace_id, (KEY_NOT_FOUND,), "no key with this id")
                return response, KEY_NOT_FOUND
            self._verifier.invalidate()
            record.event("KEY_REVOKED", key_id=revoked.key_id, actor=principal.key_id)
            return json_response(key_to_json(revoked)), None

        return await self._routes.answer(
            request, trace_id, KEY_ROUTE, run, authorize=self._authz.check_key_admin
        )

    def _may_create_keys(self, principal: Principal) -> Deny | None:
        # A session may manage keys but not mint one: a new key would outlive the session.
        return self._authz.check_key_admin(principal) or self._authz.check_credential_minting(
            principal
        )
