"""The OpenAPI 3.1 document, built from the same schemas and reason codes the code uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service import __version__
from service.gates.input import ENVELOPE_SCHEMA
from service.http.admin import KEY_NOT_FOUND, KEY_ROUTE, KEYS_ROUTE, key_create_schema
from service.http.session_api import (
    CURRENT_SESSION_ROUTE,
    SESSION_REQUIRED,
    SESSIONS_ROUTE,
    session_create_schema,
)
from service.pipeline.actions import BoundAction
from service.pipeline.execution import FAILURES
from service.pipeline.matrix import ActionMatrix
from service.pipeline.process import PROCESS_ROUTE

ERROR = "#/components/schemas/ErrorEnvelope"
_AUTH_REASONS = ("AUTHENTICATION_MISSING", "AUTHENTICATION_INVALID_KEY")
_SECURITY: list[dict[str, list[str]]] = [{"ApiKeyHeader": []}, {"BearerAuth": []}]
_EXECUTOR_REASONS: dict[int, list[str]] = {}
for _failure in FAILURES.values():
    _EXECUTOR_REASONS.setdefault(_failure.status, []).append(_failure.reason)

# Status -> reason codes for every gated route (authn, rate limit, storage, bugs).
_GATED_ERRORS: dict[int, tuple[str, ...]] = {
    401: _AUTH_REASONS,
    403: ("ACTION_FORBIDDEN",),
    429: ("RATE_LIMITED",),
    500: ("INTERNAL_ERROR",),
    # RATE_LIMIT_UNAVAILABLE only when TECHNO_RATE_LIMIT_REDIS_URL is set;
    # AUDIT_UNAVAILABLE only with fsync audit durability.
    503: ("STORAGE_UNAVAILABLE", "RATE_LIMIT_UNAVAILABLE", "AUDIT_UNAVAILABLE"),
}
_BODY_ERRORS: dict[int, tuple[str, ...]] = {
    400: ("INVALID_JSON",),
    408: ("REQUEST_TIMEOUT",),
    413: ("PAYLOAD_TOO_LARGE",),
    415: ("UNSUPPORTED_MEDIA_TYPE",),
    422: ("SCHEMA_VIOLATION", "UNSAFE_STRING"),
}


def build_openapi(
    matrix: ActionMatrix, actions: Mapping[str, BoundAction], *, session_ttl_seconds: int
) -> dict[str, Any]:
    """Return the OpenAPI document for this matrix, these actions and the session TTL."""
    process_errors = {
        **_GATED_ERRORS,
        **_BODY_ERRORS,
        422: ("SCHEMA_VIOLATION", "UNKNOWN_ACTION", "CONTEXT_NOT_ALLOWED", "UNSAFE_STRING"),
        502: tuple(_EXECUTOR_REASONS[502]),
        503: (*_EXECUTOR_REASONS[503], *_GATED_ERRORS[503]),
        504: tuple(_EXECUTOR_REASONS[504]),
    }
    admin_errors = {**_GATED_ERRORS}
    # Ending a session needs no grant: holding the token is the right to end it.
    end_session_errors = {
        **{s: r for s, r in _GATED_ERRORS.items() if s != 403},
        400: (SESSION_REQUIRED,),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "techno-ops backend",
            "version": __version__,
            "description": (
                "The gated pipeline. Every response carries X-Request-Id; every error "
                "uses the ErrorEnvelope. Methods a path does not list get 405 "
                "METHOD_NOT_ALLOWED, unknown paths 404 NOT_FOUND."
            ),
        },
        "paths": {
            PROCESS_ROUTE: {
                "post": _operation(
                    "process",
                    "Run an action through the gates and its executor.",
                    {"200": _json("Action result.", "#/components/schemas/ProcessResponse")},
                    process_errors,
                    body="#/components/schemas/ProcessRequest",
                )
            },
            "/health": {
                "get": _operation(
                    "health", "Liveness: the process answers.", {"200": _json("Alive.", _STATUS)}
                )
            },
            "/ready": {
                "get": _operation(
                    "ready",
                    "Readiness: the key store answers, the audit log takes writes (fsync "
                    "durability), and the shared rate limit store answers when configured.",
                    {"200": _json("Ready.", _STATUS)},
                    {503: ("STORAGE_UNAVAILABLE", "AUDIT_UNAVAILABLE", "RATE_LIMIT_UNAVAILABLE")},
                )
            },
            "/metrics": {
                "get": _operation(
                    "metrics",
                    "Prometheus metrics (text exposition format).",
                    {
                        "200": {
                            "description": "Metrics.",
                            "headers": _HEADERS,
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                )
            },
            "/openapi.json": {
                "get": _operation(
                    "openapi",
                    "This document.",
                    {"200": _json("The OpenAPI document.", None)},
                )
            },
            KEYS_ROUTE: {
                "post": _operation(
                    "createKey",
                    "Create an API key; the response is the only time its secret is shown.",
                    {"201": _json("Created.", "#/components/schemas/KeyCreated")},
                    {**admin_errors, **_BODY_ERRORS},
                    body="#/components/schemas/KeyCreate",
                ),
                "get": _operation(
                    "listKeys",
                    "List every API key (never a secret).",
                    {"200": _json("Keys.", "#/components/schemas/KeyList")},
                    admin_errors,
                ),
            },
            KEY_ROUTE: {
                "delete": {
                    **_operation(
                        "revokeKey",
                        "Revoke an API key; it is refused from the next request on.",
                        {"200": _json("Revoked (idempotent).", "#/components/schemas/Key")},
                        {**admin_errors, 404: (KEY_NOT_FOUND,)},
                    ),
                    "parameters": [
                        {
                            "name": "key_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                }
            },
            SESSIONS_ROUTE: {
                "post": _operation(
                    "createSession",
                    "Create a session of the calling API key (a session token cannot); "
                    "the response is the only time its token is shown. The token "
                    "authenticates like the key, with its role and rate limit, until "
                    "it expires, is ended, or the key is revoked or expires.",
                    {"201": _json("Created.", "#/components/schemas/SessionCreated")},
                    {**admin_errors, **_BODY_ERRORS},
                    body="#/components/schemas/SessionCreate",
                    body_required=False,
                ),
            },
            CURRENT_SESSION_ROUTE: {
                "delete": _operation(
                    "endSession",
                    "End the session whose token authenticates this request.",
                    {"204": {"description": "Ended.", "headers": _HEADERS}},
                    end_session_errors,
                ),
            },
        },
        "components": {
            "schemas": {
                **_schemas(matrix, actions),
                **_session_schemas(matrix, session_ttl_seconds),
            },
            "headers": {
                "X-Request-Id": {
                    "description": "The request's trace id (also in the audit log).",
                    "schema": {"type": "string"},
                }
            },
            "securitySchemes": {
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-KEY"},
                "BearerAuth": {"type": "http", "scheme": "bearer"},
            },
        },
    }


_HEADERS = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
_STATUS = "#/components/schemas/Status"


def _json(description: str, ref: str | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"} if ref is None else {"$ref": ref}
    return {
        "description": description,
        "headers": _HEADERS,
        "content": {"application/json": {"schema": schema}},
    }


def _operation(
    operation_id: str,
    summary: str,
    ok: dict[str, Any],
    errors: Mapping[int, tuple[str, ...]] | None = None,
    *,
    body: str | None = None,
    body_required: bool = True,
) -> dict[str, Any]:
    responses = dict(ok)
    for status, reasons in sorted((errors or {}).items()):
        responses[str(status)] = {
            **_json(f"Refused: {', '.join(reasons)}.", ERROR),
            "x-reason-codes": list(reasons),
        }
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "responses": responses,
    }
    if errors and 401 in errors:
        operation["security"] = _SECURITY
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": {"$ref": body}}},
        }
    return operation


def _schemas(matrix: ActionMatrix, actions: Mapping[str, BoundAction]) -> dict[str, Any]:
    envelope_props = ENVELOPE_SCHEMA["properties"]
    requests = []
    results = []
    for name, bound in actions.items():
        requests.append(
            {
                **ENVELOPE_SCHEMA,
                "title": f"{name} request",
                "description": bound.spec.description,
                "properties": {
                    **envelope_props,
                    "action": {"const": name},
                    "context_id": {"enum": list(matrix.contexts)},
                    "payload": _plain(bound.spec.payload_schema),
                },
            }
        )
        results.append(
            {
                "type": "object",
                "title": f"{name} response",
                "properties": {
                    "trace_id": {"type": "string"},
                    "status": {"const": "SUCCESS"},
                    "result": _plain(bound.spec.result_schema),
                    "executor_id": {"const": bound.spec.executor_id},
                    "execution_time_ms": {"type": "number", "minimum": 0},
                },
                "required": ["trace_id", "status", "result", "executor_id", "execution_time_ms"],
            }
        )
    key: dict[str, Any] = {
        "type": "object",
        "properties": {
            "key_id": {"type": "string", "pattern": "^key_[0-9a-f]{16}$"},
            "role": {"enum": list(matrix.roles)},
            "name": {"type": "string"},
            "state": {"enum": ["active", "revoked", "expired"]},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": ["string", "null"], "format": "date-time"},
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
        },
        "required": ["key_id", "role", "name", "state", "created_at", "expires_at", "revoked_at"],
    }
    return {
        "ProcessRequest": {"oneOf": requests},
        "ProcessResponse": {"oneOf": results},
        "ErrorEnvelope": {
            "type": "object",
            "properties": {
                "error": {"type": "string"},
                "trace_id": {"type": "string"},
                "reason_codes": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "message": {"type": "string"},
            },
            "required": ["error", "trace_id", "reason_codes", "message"],
            "additionalProperties": False,
        },
        "Status": {
            "type": "object",
            "properties": {"status": {"type": "string"}},
            "required": ["status"],
        },
        "KeyCreate": key_create_schema(tuple(matrix.roles)),
        "Key": key,
        "KeyCreated": {
            **key,
            "properties": {
                **key["properties"],
                "api_key": {"type": "string", "description": "Shown once; store it now."},
                "warning": {"type": "string"},
            },
            "required": [*key["required"], "api_key"],
        },
        "KeyList": {
            "type": "object",
            "properties": {
                "keys": {"type": "array", "items": {"$ref": "#/components/schemas/Key"}}
            },
            "required": ["keys"],
        },
    }


def _session_schemas(matrix: ActionMatrix, ttl_seconds: int) -> dict[str, Any]:
    return {
        "SessionCreate": session_create_schema(ttl_seconds),
        "SessionCreated": {
            "type": "object",
            "properties": {
                "session_id": {"type": "string", "pattern": "^ses_[0-9a-f]{16}$"},
                "token": {
                    "type": "string",
                    "description": "Shown once; send it as X-API-KEY or Authorization: Bearer.",
                },
                "key_id": {"type": "string", "pattern": "^key_[0-9a-f]{16}$"},
                "role": {"enum": list(matrix.roles)},
                "expires_at": {"type": "string", "format": "date-time"},
            },
            "required": ["session_id", "token", "key_id", "role", "expires_at"],
            "additionalProperties": False,
        },
    }


def _plain(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Drop `$schema` (OpenAPI 3.1 sets the dialect for the whole document)."""
    return {k: v for k, v in schema.items() if k != "$schema"}
