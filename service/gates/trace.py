"""G0: take the caller's trace id (X-Request-Id or W3C traceparent) or make one."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

REQUEST_ID_HEADER = "X-Request-Id"
TRACEPARENT_HEADER = "traceparent"
TRACE_ID_PREFIX = "tr_"
# Safe to echo in a header and to write to the audit log: no spaces, no quotes.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
_TRACEPARENT_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
_ZERO_TRACE = "0" * 32
_ZERO_PARENT = "0" * 16


@dataclass(frozen=True, slots=True)
class TraceContext:
    """The request's trace id, and the incoming traceparent when it was valid."""

    trace_id: str
    traceparent: str | None


def new_trace_id() -> str:
    """Return a fresh `tr_<32 hex>` trace id."""
    return TRACE_ID_PREFIX + secrets.token_hex(16)


def trace_context(headers: Mapping[str, str]) -> TraceContext:
    """Prefer a valid X-Request-Id, then a valid traceparent's trace id, else a new id."""
    traceparent = headers.get(TRACEPARENT_HEADER)
    if traceparent is not None:
        match = _TRACEPARENT_RE.match(traceparent)
        if match is None or match[1] == _ZERO_TRACE or match[2] == _ZERO_PARENT:
            traceparent = None
    request_id = headers.get(REQUEST_ID_HEADER)
    if request_id is not None and _REQUEST_ID_RE.match(request_id):
        return TraceContext(request_id, traceparent)
    if traceparent is not None:
        return TraceContext(TRACE_ID_PREFIX + traceparent[3:35], traceparent)
    return TraceContext(new_trace_id(), None)
