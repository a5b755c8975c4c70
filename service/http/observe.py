"""G0 around every route: trace id, in-flight gauge, HTTP metrics, and errors as envelopes.

This wraps each route's handler once at start instead of running as an aiohttp
middleware: a middleware adds two coroutine layers to every request (the
middleware and aiohttp's own current-app fixer), which the benchmark measured
at about 14% of bare throughput. Requests no route matches reach `not_found`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import AbstractResource

from service.gates.trace import REQUEST_ID_HEADER, TRACEPARENT_HEADER, trace_context
from service.http.responses import error_response
from service.metrics import FALLBACK_ROUTE, ServiceMetrics
from service.storage.base import StorageError

log = logging.getLogger(__name__)

# A route's own handler: it gets the request and its trace id.
RouteHandler = Callable[[web.Request, str], Awaitable[web.StreamResponse]]
# aiohttp raises these itself (no route, wrong method, body limit); they get our envelope too.
_HTTP_REASONS = {
    404: ("NOT_FOUND", "no such route"),
    405: ("METHOD_NOT_ALLOWED", "method not allowed on this route"),
    413: ("PAYLOAD_TOO_LARGE", "the body is too large"),
}
_HOP_HEADERS = frozenset({"Content-Type", "Content-Length"})


def observe_route(metrics: ServiceMetrics, route: str, handler: RouteHandler) -> Handler:
    """Return `handler` wrapped in G0, the in-flight gauge, HTTP metrics and the catch-all."""
    in_flight = metrics.in_flight
    measured = metrics.http_route(metrics.route_label(route))

    async def observe(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        trace = trace_context(request.headers)
        trace_id = trace.trace_id
        in_flight.inc()
        try:
            response = await handler(request, trace_id)
        except web.HTTPException as exc:
            response = _envelope_for(exc, trace_id)
        except StorageError as exc:
            log.error("storage unavailable (trace %s): %s", trace_id, exc)
            response = error_response(
                503, trace_id, ("STORAGE_UNAVAILABLE",), "the key store is unavailable"
            )
        except Exception:
            # Logged with the trace id for the operator; the client gets no details.
            log.exception("unhandled error (trace %s)", trace_id)
            response = error_response(
                500, trace_id, ("INTERNAL_ERROR",), "internal error; quote the trace id"
            )
        finally:
            in_flight.dec()
        headers = response.headers
        headers[REQUEST_ID_HEADER] = trace_id
        if trace.traceparent is not None:
            headers[TRACEPARENT_HEADER] = trace.traceparent
        measured.observe(request.method, response.status, time.perf_counter() - started)
        return response

    return observe


def not_found(metrics: ServiceMetrics, routes: Iterable[AbstractResource]) -> Handler:
    """Return the catch-all handler: 405 with Allow when a route has the path, else 404."""
    resources = tuple(routes)

    async def unmatched(request: web.Request, trace_id: str) -> web.StreamResponse:
        allowed: set[str] = set()
        for resource in resources:
            _, methods = await resource.resolve(request)
            allowed |= methods
        if allowed:
            raise web.HTTPMethodNotAllowed(request.method, allowed)
        raise web.HTTPNotFound()

    # Label like aiohttp's own miss: the path when it is a known route, else `unmatched`.
    by_path = {route: observe_route(metrics, route, unmatched) for route in metrics.routes}
    fallback = observe_route(metrics, FALLBACK_ROUTE, unmatched)

    async def dispatch(request: web.Request) -> web.StreamResponse:
        return await by_path.get(request.path, fallback)(request)

    return dispatch


def _envelope_for(exc: web.HTTPException, trace_id: str) -> web.Response:
    reason, message = _HTTP_REASONS.get(exc.status, (f"HTTP_{exc.status}", exc.reason))
    headers = {k: v for k, v in exc.headers.items() if k not in _HOP_HEADERS}
    return error_response(exc.status, trace_id, (reason,), message, headers=headers)
