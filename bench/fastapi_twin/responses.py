"""The service's success body and error envelope as Starlette responses."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

from service.gates import Deny
from service.http.responses import ERROR_NAMES


def json_body(
    body: Mapping[str, Any], *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Return compact JSON without FastAPI's jsonable_encoder pass (the fast path)."""
    return Response(
        json.dumps(body, separators=(",", ":")).encode("utf-8"),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def envelope(
    status: int,
    trace_id: str,
    reason_codes: Sequence[str],
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Return `{error, trace_id, reason_codes, message}` exactly as the service does."""
    body = {
        "error": ERROR_NAMES.get(status, "error"),
        "trace_id": trace_id,
        "reason_codes": list(reason_codes),
        "message": message,
    }
    return json_body(body, status=status, headers=headers)


def deny_envelope(deny: Deny, trace_id: str) -> Response:
    """Return the envelope for a gate's Deny, with Retry-After when it has one."""
    headers = None
    if deny.retry_after_seconds is not None:
        headers = {"Retry-After": str(deny.retry_after_seconds)}
    return envelope(deny.status, trace_id, (deny.reason,), deny.message, headers=headers)
