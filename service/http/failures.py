"""Failures no gate decided: the status and reason code each one is answered with."""

from __future__ import annotations

import logging

from aiohttp import web

from service.audit.journal import RequestRecord
from service.audit.writer import AuditUnavailable
from service.storage.base import StorageError

log = logging.getLogger(__name__)

AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"
# aiohttp raises these itself (no route, wrong method, body limit); they get our envelope too.
HTTP_REASONS = {
    404: ("NOT_FOUND", "no such route"),
    405: ("METHOD_NOT_ALLOWED", "method not allowed on this route"),
    408: ("REQUEST_TIMEOUT", "the request body did not arrive in time"),
    413: ("PAYLOAD_TOO_LARGE", "the body is too large"),
}


def classify(exc: Exception) -> tuple[int, str, str]:
    """Return (status, reason code, message) for an exception a route did not handle."""
    if isinstance(exc, web.HTTPException):
        reason, message = HTTP_REASONS.get(exc.status, (f"HTTP_{exc.status}", exc.reason))
        return exc.status, reason, message
    if isinstance(exc, AuditUnavailable):
        return 503, AUDIT_UNAVAILABLE, "the audit log cannot be written"
    if isinstance(exc, StorageError):
        return 503, "STORAGE_UNAVAILABLE", "the key store is unavailable"
    return 500, "INTERNAL_ERROR", "internal error; quote the trace id"


def log_failure(exc: Exception, trace_id: str) -> None:
    """Log a failure for the operator, with the trace id (the client gets no details)."""
    if isinstance(exc, web.HTTPException):
        return
    if isinstance(exc, AuditUnavailable):
        log.error("audit log unavailable (trace %s): answered 503", trace_id)
    elif isinstance(exc, StorageError):
        log.error("storage unavailable (trace %s): %s", trace_id, exc)
    else:
        log.error("unhandled error (trace %s)", trace_id, exc_info=exc)


async def end_failed(record: RequestRecord, exc: Exception) -> None:
    """Write REQUEST_END for a request that ends in `exc`, unless it already ended.

    The route's wrapper answers the same exception with the same status; this
    makes sure a 500 or 503 leaves its events in the audit log too.
    """
    if record.ended:  # AuditUnavailable from end() itself: its events were tried
        return
    status, reason, _ = classify(exc)
    await record.end(status, "failed", (reason,))
