"""G0 around every route: trace id, in-flight gauge, HTTP metrics, and errors as envelopes.

This wraps each route's handler once at start instead of running as an aiohttp
middleware: a middleware adds two coroutine layers to every request (the
middleware and aiohttp's own current-app fixer), which the benchmark measured
at about 14% of bare throughput. Requests no route matches reach `not_found`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import AbstractResource

from service.gates.trace import REQUEST_ID_HEADER, TRACEPARENT_HEADER, caller_id, new_trace_id
from service.http.failures import classify, log_failure
from service.http.responses import error_response
from service.metrics import FALLBACK_ROUTE, ServiceMetrics

# A route's own handler: it gets the request and its (server-made) trace id.
RouteHandler = Callable[[web.Request, str], Awaitable[web.StreamResponse]]
# The caller's X-Request-Id or traceparent trace id, set only when it sent a valid one.
CORRELATION_ID = web.RequestKey("correlation_id", str)
_HOP_HEADERS = frozenset({"Content-Type", "Content-Length"})


def observe_route(metrics: ServiceMetrics, route: str, handler: RouteHandler) -> Handler:
    """Return `handler` wrapped in G0, the in-flight gauge, HTTP metrics and the catch-all."""
    in_flight = metrics.in_flight
    measured = metrics.http_route(metrics.route_label(route))

    async def observe(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        # What trace_context() returns, without building its object on every request.
        correlation_id, traceparent = caller_id(request.headers)
        trace_id = new_trace_id()
        if correlation_id is not None:
            request[CORRELATION_ID] = correlation_id
        in_flight.value += 1
        try:
            response = await handler(request, trace_id)
        except Exception as exc:
            log_failure(exc, trace_id)
            response = _envelope_for(exc, trace_id)
        finally:
            in_flight.value -= 1
        if response.status == 408:
            # The rest of a trickled body may still come: drop the connection.
            response.force_close()
        headers = response.headers
        headers[REQUEST_ID_HEADER] = trace_id
        if traceparent is not None:
            headers[TRACEPARENT_HEADER] = traceparent
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


def _envelope_for(exc: Exception, trace_id: str) -> web.Response:
    status, reason, message = classify(exc)
    headers = None
    if isinstance(exc, web.HTTPException):
        headers = {k: v for k, v in exc.headers.items() if k not in _HOP_HEADERS}
    return error_response(status, trace_id, (reason,), message, headers=headers)
