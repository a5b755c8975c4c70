"""Pure ASGI middleware: G0 trace id, in-flight gauge, HTTP metrics, errors as envelopes."""

from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bench.fastapi_twin.responses import envelope
from service.gates.trace import trace_context
from service.metrics import ServiceMetrics

log = logging.getLogger(__name__)


class ObserveMiddleware:
    """Wrap every HTTP request the way the service's observe middleware does."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        trace = trace_context(Headers(scope=scope))
        scope.setdefault("state", {})["trace_id"] = trace.trace_id
        extra = [(b"x-request-id", trace.trace_id.encode("ascii"))]
        if trace.traceparent is not None:
            extra.append((b"traceparent", trace.traceparent.encode("ascii")))
        status = 500
        response_started = False

        async def send_with_trace(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        self._metrics.in_flight.inc()
        try:
            await self._app(scope, receive, send_with_trace)
        except Exception:
            log.exception("unhandled error (trace %s)", trace.trace_id)
            if response_started:
                raise
            response = envelope(
                500, trace.trace_id, ("INTERNAL_ERROR",), "internal error; quote the trace id"
            )
            await response(scope, receive, send_with_trace)
        finally:
            self._metrics.in_flight.dec()
            # FastAPI leaves the matched route in the scope: label by its template.
            route = scope.get("route")
            label = self._metrics.route_label(getattr(route, "path", None))
            self._metrics.observe_http(
                scope["method"], label, status, time.perf_counter() - started
            )
