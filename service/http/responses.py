"""The two response shapes: the success body and the one error envelope."""

from __future__ import annotations

import json
from _json import make_encoder
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

from aiohttp import web

from service.gates import Deny

# One encoder: json.dumps with non-default arguments builds a new one per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def _compact(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """Return `encoder.encode` without the C encoder it builds on every call.

    JSONEncoder.encode makes a new `_json.make_encoder` per call; this is that
    same C encoder with the same arguments, made once, so the output is the same
    bytes. Its circular-reference markers are emptied as it leaves each
    container, and explicitly after an error.
    """
    markers: dict[int, Any] = {}
    chunks = make_encoder(
        markers,
        encoder.default,
        encode_basestring_ascii,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(value: Any) -> str:
        try:
            return "".join(chunks(value, 0))
        except BaseException:
            markers.clear()
            raise

    return encode


_encode = _compact(_ENCODER)
# `error` names the status class in words that do not change between Python
# versions (http.HTTPStatus phrases do).
ERROR_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def json_response(
    body: Mapping[str, Any] | Sequence[Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Return a compact JSON response."""
    return web.Response(
        body=_encode(body).encode("utf-8"),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def success_response(
    trace_id: str, result: Mapping[str, Any] | None, executor_id: str, duration_ms: float
) -> web.Response:
    """Return the /process success body `{trace_id, status, result, executor_id, ...}`."""
    # Joined from encoded parts: only the result needs the general encoder; a
    # string alone is what the encoder's own C string quoting writes.
    quote = encode_basestring_ascii
    body = (
        f'{{"trace_id":{quote(trace_id)},"status":"SUCCESS","result":{_encode(result)},'
        f'"executor_id":{quote(executor_id)},"execution_time_ms":{duration_ms!r}}}'
    )
    return web.Response(body=body.encode("utf-8"), content_type="application/json")


def error_response(
    status: int,
    trace_id: str,
    reason_codes: Sequence[str],
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Return the error envelope `{error, trace_id, reason_codes, message}`."""
    body = {
        "error": ERROR_NAMES.get(status, "error"),
        "trace_id": trace_id,
        "reason_codes": list(reason_codes),
        "message": message,
    }
    return json_response(body, status=status, headers=headers)


def deny_response(deny: Deny, trace_id: str) -> web.Response:
    """Return the error envelope for a gate's Deny (with Retry-After when it has one)."""
    headers = None
    if deny.retry_after_seconds is not None:
        headers = {"Retry-After": str(deny.retry_after_seconds)}
    return error_response(deny.status, trace_id, (deny.reason,), deny.message, headers=headers)
