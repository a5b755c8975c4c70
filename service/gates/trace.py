"""G0: give every request a server-made id; keep the caller's id as a correlation id.

The request id names exactly one request: the server makes it, so no caller
can reuse another request's id and merge two requests in the audit log. A
valid `X-Request-Id` (or the trace id of a valid W3C `traceparent`) is kept
apart, as the correlation id that links the request to the caller's trace.
"""

from __future__ import annotations

import os
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
    """The server's request id, the caller's correlation id and its valid traceparent."""

    trace_id: str
    traceparent: str | None
    correlation_id: str | None = None


# Ids are drawn from the OS's CSPRNG this many at a time: one urandom call and
# one hex conversion per batch instead of per request.
TRACE_ID_BATCH = 64
# Unused ids, each taken once; list.pop is atomic, so the audit writer's thread
# may take one too. Cleared in a forked child, which must not reuse its parent's.
_unused: list[str] = []
os.register_at_fork(after_in_child=_unused.clear)


def new_trace_id() -> str:
    """Return a fresh `tr_<32 hex>` trace id."""
    try:
        return _unused.pop()
    except IndexError:
        block = secrets.token_hex(16 * TRACE_ID_BATCH)
        _unused.extend(TRACE_ID_PREFIX + block[i : i + 32] for i in range(32, len(block), 32))
        return TRACE_ID_PREFIX + block[:32]


def caller_id(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return the caller's correlation id and traceparent, each None unless valid.

    A valid X-Request-Id wins over a valid traceparent's trace id.
    """
    traceparent = headers.get(TRACEPARENT_HEADER)
    if traceparent is not None:
        match = _TRACEPARENT_RE.match(traceparent)
        if match is None or match[1] == _ZERO_TRACE or match[2] == _ZERO_PARENT:
            traceparent = None
    request_id = headers.get(REQUEST_ID_HEADER)
    if request_id is not None and _REQUEST_ID_RE.match(request_id):
        return request_id, traceparent
    if traceparent is not None:
        return TRACE_ID_PREFIX + traceparent[3:35], traceparent
    return None, None


def trace_context(headers: Mapping[str, str]) -> TraceContext:
    """Make the request's own id; keep the caller's id, if valid, as its correlation id."""
    correlation_id, traceparent = caller_id(headers)
    return TraceContext(new_trace_id(), traceparent, correlation_id)
