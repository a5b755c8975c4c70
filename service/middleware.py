"""The one middleware: trace id, in-flight gauge, HTTP metrics, and errors as envelopes."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from service.gates.trace import REQUEST_ID_HEADER, TRACEPARENT_HEADER, trace_context
from service.metrics import ServiceMetrics
from service.responses import error_response
from service.storage.base import StorageError

log = logging.getLogger(__name__)

TRACE_ID = web.RequestKey("trace_id", str)
# aiohttp raises these itself (router, body limit); they get our envelope too.
_HTTP_REASONS = {
    404: ("NOT_FOUND", "no such route"),
    405: ("METHOD_NOT_ALLOWED", "method not allowed on this route"),
    413: ("PAYLOAD_TOO_LARGE", "the body is too large"),
}
_HOP_HEADERS = frozenset({"Content-Type", "Content-Length"})


def make_observe_middleware(*, metrics: ServiceMetrics) -> Middleware:
    """Return the middleware that wraps every request (G0 and the catch-all)."""
    in_flight = metrics.in_flight

    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        trace = trace_context(request.headers)
        request[TRACE_ID] = trace.trace_id
        in_flight.inc()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = _envelope_for(exc, trace.trace_id)
        except StorageError as exc:
            log.error("storage unavailable (trace %s): %s", trace.trace_id, exc)
            response = error_response(
                503, trace.trace_id, ("STORAGE_UNAVAILABLE",), "the key store is unavailable"
            )
        except Exception:
            # Logged with the trace id for the operator; the client gets no details.
            log.exception("unhandled error (trace %s)", trace.trace_id)
            response = error_response(
                500, trace.trace_id, ("INTERNAL_ERROR",), "internal error; quote the trace id"
            )
        finally:
            in_flight.dec()
        response.headers[REQUEST_ID_HEADER] = trace.trace_id
        if trace.traceparent is not None:
            response.headers[TRACEPARENT_HEADER] = trace.traceparent
        resource = request.match_info.route.resource
        route = metrics.route_label(request.path if resource is None else resource.canonical)
        metrics.observe_http(request.method, route, response.status, time.perf_counter() - started)
        return response

    return observe


def _envelope_for(exc: web.HTTPException, trace_id: str) -> web.Response:
    reason, message = _HTTP_REASONS.get(exc.status, (f"HTTP_{exc.status}", exc.reason))
    headers = {k: v for k, v in exc.headers.items() if k not in _HOP_HEADERS}
    return error_response(exc.status, trace_id, (reason,), message, headers=headers)
