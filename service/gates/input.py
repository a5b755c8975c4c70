"""G3-G7: body size, content type, JSON object, safe strings, envelope, action, context."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from service.gates import Deny
from service.gates.json_safety import find_unsafe
from service.pipeline.deadline import await_within
from service.pipeline.schema_errors import SchemaCheck, compile_schema

JSON_CONTENT_TYPE = "application/json"
# The request envelope of POST /process; each action's payload schema comes
# from its executor.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "minLength": 1, "maxLength": 64},
        "context_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "payload": {"type": "object"},
    },
    "required": ["action", "context_id", "payload"],
    "additionalProperties": False,
}

UNSUPPORTED_MEDIA_TYPE = Deny(
    gate="input",
    status=415,
    reason="UNSUPPORTED_MEDIA_TYPE",
    message=f"Content-Type must be {JSON_CONTENT_TYPE}",
)


@dataclass(frozen=True, slots=True)
class ProcessRequest:
    """A request that passed the input gates: known action, allowed context, valid payload."""

    action: str
    context_id: str
    payload: dict[str, Any]


def _deny(status: int, reason: str, message: str) -> Deny:
    return Deny(gate="input", status=status, reason=reason, message=message)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class DuplicateKey(ValueError):
    """A JSON object names one key twice: a proxy and we could read different values."""


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                # Bounded and escaped: the name is the caller's text.
                raise DuplicateKey(f"duplicate key {json.dumps(name[:64])}")
            seen.add(name)
    return document


# One decoder: json.loads with any argument builds a new decoder per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_object)


class InputGate:
    """Read and check a JSON request body, then the /process envelope and payload."""

    def __init__(
        self,
        *,
        max_body_bytes: int,
        contexts: tuple[str, ...],
        payload_validators: Mapping[str, SchemaCheck],
        body_read_timeout_seconds: float = 10.0,
    ) -> None:
        self._max_body_bytes = max_body_bytes
        self._read_timeout = body_read_timeout_seconds
        self._too_large = _deny(
            413, "PAYLOAD_TOO_LARGE", f"the body must be at most {max_body_bytes} bytes"
        )
        self._contexts = frozenset(contexts)
        self._context_list = ", ".join(contexts)
        self._payload_validators = payload_validators
        self._action_list = ", ".join(payload_validators)
        self._envelope = compile_schema(ENVELOPE_SCHEMA)

    async def read_json_object(self, request: web.Request) -> dict[str, Any] | Deny:
        """Return the body as a safe JSON object (G3 size, G4 type, G5 JSON, G7 strings)."""
        length = request.content_length
        if length is not None and length > self._max_body_bytes:
            return self._too_large
        # The exact header needs no parsing; anything else (parameters, case) is parsed.
        if (
            request.headers.get("Content-Type") != JSON_CONTENT_TYPE
            and request.content_type != JSON_CONTENT_TYPE
        ):
            return UNSUPPORTED_MEDIA_TYPE
        try:
            # A trickled body must not hold the connection (and its memory) open.
            # A body already received is read without waiting: then no timer is armed.
            body = await await_within(request.read(), self._read_timeout)
        except web.HTTPRequestEntityTooLarge:
            return self._too_large
        except TimeoutError:
            # Not a gate decision about the request but a client that failed to
            # send it: answered 408 REQUEST_TIMEOUT, recorded in REQUEST_END.
            raise web.HTTPRequestTimeout() from None
        if len(body) > self._max_body_bytes:
            return self._too_large
        try:
            # What json.loads does with bytes: detect UTF-8/16/32, keep lone
            # surrogates for the safety check to name.
            text = body.decode(json.detect_encoding(body), "surrogatepass")
            document = _DECODER.decode(text)
        except RecursionError:
            return _deny(422, "UNSAFE_STRING", "body: nested too deeply")
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            return _deny(400, "INVALID_JSON", f"the body is not valid UTF-8 JSON: {_where(exc)}")
        if not isinstance(document, dict):
            return _deny(400, "INVALID_JSON", "the body must be a JSON object")
        unsafe = find_unsafe(document, text)
        if unsafe is not None:
            return _deny(422, "UNSAFE_STRING", unsafe)
        return document

    async def read_checked(self, request: web.Request, check: SchemaCheck) -> dict[str, Any] | Deny:
        """Return the body as a safe JSON object that satisfies `check`, or the Deny."""
        document = await self.read_json_object(request)
        if isinstance(document, Deny):
            return document
        violation = check.violation(document, "")
        return document if violation is None else _deny(422, "SCHEMA_VIOLATION", violation)

    def check_process(self, document: dict[str, Any]) -> ProcessRequest | Deny:
        """Check the envelope (G6), the action and context, and the action's payload."""
        violation = self._envelope.violation(document, "")
        if violation is not None:
            return _deny(422, "SCHEMA_VIOLATION", violation)
        action: str = document["action"]
        validator = self._payload_validators.get(action)
        if validator is None:
            return _deny(
                422, "UNKNOWN_ACTION", f"action: unknown action (known: {self._action_list})"
            )
        context_id: str = document["context_id"]
        if context_id not in self._contexts:
            return _deny(
                422,
                "CONTEXT_NOT_ALLOWED",
                f"context_id: not an allowed context (allowed: {self._context_list})",
            )
        payload: dict[str, Any] = document["payload"]
        violation = validator.violation(payload, "payload")
        if violation is not None:
            return _deny(422, "SCHEMA_VIOLATION", violation)
        return ProcessRequest(action=action, context_id=context_id, payload=payload)


def _where(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid UTF-8 at byte {exc.start}"
    return str(exc)  # DuplicateKey names the key
