"""Build the FastAPI twin: the service's catalog, matrix, executors, key store and audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from bench.fastapi_twin.observe import ObserveMiddleware
from bench.fastapi_twin.pipeline import PROCESS_ROUTE, TwinPipeline
from bench.fastapi_twin.responses import json_body
from obs.catalog import load_catalog
from service.audit import AuditWriter
from service.credentials.key_verifier import KeyVerifier
from service.gates.authn import AuthnGate
from service.gates.authz import AuthzGate
from service.gates.input import InputGate
from service.gates.rate_limit import RateLimitGate
from service.http.app import default_executors
from service.metrics import ServiceMetrics
from service.pipeline.access import AccessGates, DecisionRecorder
from service.pipeline.actions import bind_actions
from service.pipeline.matrix import load_matrix
from service.settings import Settings
from service.storage import SqliteKeyStore


def create_twin_app(settings: Settings, *, registry: CollectorRegistry | None = None) -> FastAPI:
    """Return the twin; like the service, it validates catalog, matrix and executors up front."""
    registry = CollectorRegistry(auto_describe=True) if registry is None else registry
    metrics = ServiceMetrics(load_catalog(settings.catalog_path), registry)
    matrix = load_matrix(settings.action_matrix_path)
    executors = default_executors(settings)
    actions = bind_actions(matrix, executors, metrics.executor_ids)
    input_gate = InputGate(
        max_body_bytes=settings.max_body_bytes,
        contexts=matrix.contexts,
        payload_validators={name: bound.payload_validator for name, bound in actions.items()},
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = SqliteKeyStore.open(settings.resolved_db_path)
        audit = AuditWriter(
            settings.resolved_audit_path,
            durability=settings.audit_durability,
            on_write_error=metrics.count_audit_write_errors,
        )
        try:
            await audit.start()
            app.state.pipeline = TwinPipeline(
                access=AccessGates(
                    AuthnGate(KeyVerifier(store)),
                    RateLimitGate(settings.rate_limit_per_minute),
                    DecisionRecorder(metrics),
                ),
                input_gate=input_gate,
                authz=AuthzGate(matrix),
                actions=actions,
                audit=audit,
                metrics=metrics,
                max_body_bytes=settings.max_body_bytes,
                executor_timeout_seconds=settings.executor_timeout_seconds,
            )
            yield
        finally:
            try:
                await executors.close()
            finally:
                await audit.close()
                await store.close()

    # No docs routes: the service serves its own /openapi.json; this twin only measures.
    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.add_middleware(ObserveMiddleware, metrics=metrics)

    @app.post(PROCESS_ROUTE)
    async def process(request: Request) -> Response:
        pipeline: TwinPipeline = request.app.state.pipeline
        return await pipeline.handle(request)

    @app.get("/health")
    async def health() -> Response:
        return json_body({"status": "ok"})

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app
