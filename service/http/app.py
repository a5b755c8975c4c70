"""Build the aiohttp application: observed routes, and resources via cleanup_ctx."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler

from obs.catalog import Catalog, load_catalog
from service.audit import AuditWriter
from service.audit.denials import MAX_TRACKED_SOURCES
from service.audit.journal import RequestJournal
from service.credentials.key_verifier import DEFAULT_RECHECK_SECONDS, KeyVerifier
from service.credentials.session_verifier import SessionVerifier
from service.executors.registry import ExecutorConfig, ExecutorRegistry, build_executor_registry
from service.gates.authn import AuthnGate
from service.gates.authz import AuthzGate
from service.gates.client_address import ClientAddresses
from service.gates.input import InputGate
from service.gates.rate_limit import RateLimitGate
from service.gates.rate_limit_redis import UNAVAILABLE_REASON, RedisRateLimitGate, connect
from service.http.admin import KEY_ROUTE, KEYS_ROUTE, AdminApi
from service.http.failures import AUDIT_UNAVAILABLE
from service.http.gated_route import GatedRoutes
from service.http.observe import RouteHandler, not_found, observe_route
from service.http.openapi import build_openapi
from service.http.responses import error_response, json_response
from service.http.session_api import CURRENT_SESSION_ROUTE, SESSIONS_ROUTE, SessionApi
from service.http.state import ADMIN, AUDIT, METRICS, OPENAPI, PIPELINE, SESSIONS, SETTINGS, STORE
from service.metrics import ServiceMetrics
from service.pipeline.access import AccessGates, AnonymousLimit, DecisionRecorder
from service.pipeline.actions import bind_actions
from service.pipeline.matrix import load_matrix
from service.pipeline.process import PROCESS_ROUTE, Pipeline
from service.settings import Settings
from service.storage import StorageError
from service.storage.choose import open_store

ExecutorFactory = Callable[[Settings], ExecutorRegistry]
# Set only when TECHNO_RATE_LIMIT_REDIS_URL is: readiness then needs Redis too.
SHARED_RATE_LIMIT = web.AppKey("shared_rate_limit", RedisRateLimitGate)


def executor_config(settings: Settings) -> ExecutorConfig:
    """Return the executors' settings taken from the service settings."""
    return ExecutorConfig(
        llm_url=settings.llm_url,
        llm_api_key=settings.llm_api_key,
        llm_model=settings.llm_model,
        llm_timeout_seconds=settings.llm_timeout_seconds,
        llm_max_retries=settings.llm_max_retries,
    )


def default_executors(settings: Settings) -> ExecutorRegistry:
    """Return the shipped executor registry configured from settings."""
    return build_executor_registry(executor_config(settings))


def rate_limit_gate(settings: Settings) -> RateLimitGate | RedisRateLimitGate:
    """Return the in-process bucket, or the Redis one every replica shares when configured."""
    url = settings.rate_limit_redis_url
    if url is None:
        return RateLimitGate(settings.rate_limit_per_minute)
    return RedisRateLimitGate(connect(url), settings.rate_limit_per_minute, url=url)


def audit_writer(settings: Settings, on_write_error: Callable[[int], None]) -> AuditWriter:
    """Return the JSON-lines file writer, or the PostgreSQL one every replica shares."""
    if settings.audit_sink == "postgresql":
        assert settings.database_url is not None  # settings refuse the sink without it
        from service.audit.pg_sink import PostgresAuditWriter  # asyncpg only when used

        return PostgresAuditWriter(
            settings.database_url,
            durability=settings.audit_durability,
            on_write_error=on_write_error,
        )
    return AuditWriter(
        settings.resolved_audit_path,
        durability=settings.audit_durability,
        on_write_error=on_write_error,
    )


def recheck_seconds(settings: Settings) -> float:
    """Return how often the verifier asks the store whether anything changed."""
    # PostgreSQL's generation is a counter its change listener keeps in memory: asking
    # costs nothing, so every request asks, and a change heard is never served stale.
    return 0.0 if settings.database_url is not None else DEFAULT_RECHECK_SECONDS


def anonymous_limit(settings: Settings) -> AnonymousLimit:
    """Return the per-client-address budget for requests without a valid credential."""
    buckets = RateLimitGate(settings.unauthenticated_per_minute, max_buckets=MAX_TRACKED_SOURCES)
    return AnonymousLimit(buckets, ClientAddresses(settings.trusted_proxies))


def create_app(
    settings: Settings,
    *,
    registry: CollectorRegistry | None = None,
    executors: ExecutorFactory = default_executors,
    catalog: Catalog | None = None,
    clock: Callable[[], float] = time.time,
) -> web.Application:
    """Return the application; the catalog, matrix and executors are validated here.

    `catalog` lets a caller that already loaded settings.catalog_path pass it in;
    `clock` (Unix seconds) decides when keys and sessions expire.
    """
    registry = CollectorRegistry(auto_describe=True) if registry is None else registry
    catalog = load_catalog(settings.catalog_path) if catalog is None else catalog
    metrics = ServiceMetrics(catalog, registry)
    matrix = load_matrix(settings.action_matrix_path)
    executor_registry = executors(settings)
    actions = bind_actions(matrix, executor_registry, metrics.executor_ids)
    input_gate = InputGate(
        max_body_bytes=settings.max_body_bytes,
        body_read_timeout_seconds=settings.body_read_timeout_seconds,
        contexts=matrix.contexts,
        payload_validators={name: bound.payload_validator for name, bound in actions.items()},
    )
    authz = AuthzGate(matrix)

    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[OPENAPI] = json.dumps(
        build_openapi(matrix, actions, session_ttl_seconds=settings.session_ttl_seconds), indent=2
    ).encode("utf-8")

    async def resources(app: web.Application) -> AsyncIterator[None]:
        store = await open_store(settings)
        audit = audit_writer(settings, metrics.count_audit_write_errors)
        rate_limit = rate_limit_gate(settings)
        journal: RequestJournal | None = None
        try:
            await audit.start()
            if isinstance(rate_limit, RedisRateLimitGate):
                app[SHARED_RATE_LIMIT] = rate_limit
            verifier = KeyVerifier(store, clock=clock, recheck_seconds=recheck_seconds(settings))
            sessions = SessionVerifier(store, verifier, clock=clock)
            journal = RequestJournal(audit)
            access = AccessGates(
                AuthnGate(verifier, sessions),
                rate_limit,
                DecisionRecorder(metrics),
                anonymous_limit(settings),
            )
            routes = GatedRoutes(access, journal)
            app[STORE] = store
            app[AUDIT] = audit
            app[PIPELINE] = Pipeline(
                access=access,
                input_gate=input_gate,
                authz=authz,
                actions=actions,
                journal=journal,
                metrics=metrics,
                executor_timeout_seconds=settings.executor_timeout_seconds,
            )
            app[ADMIN] = AdminApi(
                routes=routes,
                authz=authz,
                input_gate=input_gate,
                store=store,
                verifier=verifier,
                roles=tuple(matrix.roles),
            )
            app[SESSIONS] = SessionApi(
                routes=routes,
                authz=authz,
                input_gate=input_gate,
                store=store,
                sessions=sessions,
                ttl_seconds=settings.session_ttl_seconds,
                clock=clock,
            )
            yield
        finally:
            try:
                await executor_registry.close()
            finally:
                try:
                    if journal is not None:
                        journal.denials.flush()
                    await audit.close()
                finally:
                    await store.close()
                    if isinstance(rate_limit, RedisRateLimitGate):
                        await rate_limit.close()

    app.cleanup_ctx.append(resources)
    metrics_handler = make_aiohttp_handler(registry, disable_compression=True)

    async def _metrics(request: web.Request, trace_id: str) -> web.StreamResponse:
        return await metrics_handler(request)

    routes: list[tuple[str, str, RouteHandler]] = [
        ("POST", PROCESS_ROUTE, _process),
        ("GET", "/health", _health),
        ("GET", "/ready", _ready),
        ("GET", "/metrics", _metrics),
        ("GET", "/openapi.json", _openapi),
        ("POST", KEYS_ROUTE, _create_key),
        ("GET", KEYS_ROUTE, _list_keys),
        ("DELETE", KEY_ROUTE, _revoke_key),
        ("POST", SESSIONS_ROUTE, _create_session),
        ("DELETE", CURRENT_SESSION_ROUTE, _end_session),
    ]
    for method, path, handler in routes:
        observed = observe_route(metrics, path, handler)
        if method == "GET":
            app.router.add_get(path, observed)  # and HEAD, as aiohttp does by default
        else:
            app.router.add_route(method, path, observed)
    # Last, so it only sees what no route matched: 404, or 405 with Allow.
    known = tuple(app.router.resources())
    app.router.add_route("*", "/{path:.*}", not_found(metrics, known))
    return app


# Plain functions returning the handler's coroutine: no extra coroutine layer per request.
def _process(request: web.Request, trace_id: str) -> Awaitable[web.Response]:
    return request.app[PIPELINE].handle(request, trace_id)


async def _health(request: web.Request, trace_id: str) -> web.Response:
    return json_response({"status": "ok"})


async def _ready(request: web.Request, trace_id: str) -> web.Response:
    try:
        await request.app[STORE].ping()
    except StorageError:
        return error_response(
            503, trace_id, ("STORAGE_UNAVAILABLE",), "the key store is unavailable"
        )
    if not await request.app[AUDIT].probe():
        return error_response(
            503, trace_id, (AUDIT_UNAVAILABLE,), "the audit log cannot be written"
        )
    shared = request.app.get(SHARED_RATE_LIMIT)
    if shared is not None and not await shared.ping():
        return error_response(
            503, trace_id, (UNAVAILABLE_REASON,), "the shared rate limit store is unavailable"
        )
    return json_response({"status": "ready"})


async def _openapi(request: web.Request, trace_id: str) -> web.Response:
    return web.Response(body=request.app[OPENAPI], content_type="application/json")


def _create_key(request: web.Request, trace_id: str) -> Awaitable[web.Response]:
    return request.app[ADMIN].create(request, trace_id)


def _list_keys(request: web.Request, trace_id: str) -> Awaitable[web.Response]:
    return request.app[ADMIN].list(request, trace_id)


def _revoke_key(request: web.Request, trace_id: str) -> Awaitable[web.Response]:
    return request.app[ADMIN].revoke(request, trace_id)


def _create_session(request: web.Request, trace_id: str) -> Awaitable[web.Response]:
    return request.app[SESSIONS].create(request, trace_id)


def _end_session(request: web.Request, trace_id: str) -> Awaitable[web.Response]:
    return request.app[SESSIONS].end(request, trace_id)
