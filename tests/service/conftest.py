"""Fixtures that run the real service app over HTTP (aiohttp's test client)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from jsonschema import Draft202012Validator
from prometheus_client import CollectorRegistry

from obs.catalog import Catalog, load_catalog
from service.audit import AUDIT_EVENT_SCHEMA_PATH
from service.credentials.keys import create_key
from service.executors.base import ActionSpec, ExecutionRequest, ExecutorError
from service.executors.echo import EchoExecutor
from service.executors.registry import ExecutorRegistry
from service.executors.text_analysis import TextAnalysisExecutor
from service.http.app import ExecutorFactory, create_app, default_executors
from service.settings import Settings
from service.storage import SqliteKeyStore
from service.storage.choose import open_store
from tests.service.counting_store import CountingStore

# Tests put this marker in payloads; it must never reach the audit log.
PAYLOAD_CANARY = "canary-payload-text"
AUDIT_VALIDATOR = Draft202012Validator(json.loads(AUDIT_EVENT_SCHEMA_PATH.read_text()))

CHAT_SPEC = ActionSpec(
    name="chat",
    executor_id="llm_http",
    description="A scripted stand-in for the chat executor: the payload picks the behaviour.",
    payload_schema={
        "type": "object",
        "properties": {
            "mode": {
                "enum": ["ok", "sleep", "error", "circuit_open", "timeout", "invalid", "crash"]
            }
        },
        "required": ["mode"],
        "additionalProperties": False,
    },
    result_schema={
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
        "additionalProperties": False,
    },
)


class ScriptedChat:
    """A real executor for the `chat` action whose behaviour the payload chooses."""

    executor_id = "llm_http"

    def actions(self) -> tuple[ActionSpec, ...]:
        return (CHAT_SPEC,)

    async def execute(self, request: ExecutionRequest) -> dict[str, Any]:
        """Answer, sleep past any timeout, fail, or return a result breaking its schema."""
        mode = request.payload["mode"]
        if mode == "sleep":
            await asyncio.sleep(10)
        if mode in ("error", "circuit_open", "timeout"):
            raise ExecutorError(mode, f"scripted {mode}")
        if mode == "invalid":
            return {"text": 42}
        if mode == "crash":
            raise RuntimeError("scripted bug")
        return {"text": "ok"}

    async def close(self) -> None:
        """Hold nothing."""


def scripted_executors(settings: Settings) -> ExecutorRegistry:
    """Return the real echo and text executors plus the scripted chat executor."""
    return ExecutorRegistry([EchoExecutor(), TextAnalysisExecutor(), ScriptedChat()])


@dataclass
class ServiceHarness:
    """One running app, its settings, its metrics registry and the keys issued for it."""

    settings: Settings
    client: TestClient[Any, Any]
    registry: CollectorRegistry
    issued: list[str] = field(default_factory=list)

    async def issue_key(self, role: str = "operator", *, expires_in_days: int | None = None) -> str:
        """Create a key straight in the database (as the CLI does) and return its secret."""
        store = await open_store(self.settings)
        try:
            issued = await create_key(store, role=role, expires_in_days=expires_in_days)
        finally:
            await store.close()
        self.issued.append(issued.api_key)
        return issued.api_key

    async def open_session(self, key: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST /sessions with `key` (and `body`), assert 201, remember and return the answer."""
        __tracebackhide__ = True
        response = await self.client.post("/sessions", json=body, headers={"X-API-KEY": key})
        created: dict[str, Any] = await response.json()
        assert response.status == 201, created
        self.issued.append(created["token"])
        return created

    async def process(
        self, key: str | None, body: dict[str, Any], **headers: str
    ) -> ClientResponse:
        """POST a JSON body to /process with the key in X-API-KEY."""
        sent = dict(headers)
        if key is not None:
            sent["X-API-KEY"] = key
        return await self.client.post("/process", json=body, headers=sent)

    def table_rows(self, table: str) -> list[tuple[Any, ...]]:
        """Return every row of one table of the service's database."""
        connection = sqlite3.connect(self.settings.resolved_db_path)
        try:
            return connection.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
        finally:
            connection.close()

    def database_bytes(self) -> bytes:
        """Return the raw bytes of the database file and its WAL and shared-memory files."""
        db = self.settings.resolved_db_path
        return b"".join(path.read_bytes() for path in sorted(db.parent.glob(db.name + "*")))

    def metric(self, name: str, **labels: str) -> float:
        """Return a sample's value from this app's registry (0 when absent)."""
        value = self.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value

    def audit_events(self) -> list[dict[str, Any]]:
        """Return every audit event written so far."""
        path = self.settings.resolved_audit_path
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def assert_audit_log_clean(self) -> None:
        """Every event matches the schema; no key secret or payload text is in the log."""
        path = self.settings.resolved_audit_path
        raw = path.read_text() if path.is_file() else ""
        for event in self.audit_events():
            AUDIT_VALIDATOR.validate(event)
        assert PAYLOAD_CANARY not in raw
        for api_key in self.issued:
            assert api_key.split(".")[1] not in raw


MakeService = Callable[..., Awaitable[ServiceHarness]]


@pytest.fixture
async def counting_store(tmp_path: Path) -> AsyncIterator[CountingStore]:
    """Return a counting SQLite store in a fresh database; closed on teardown."""
    base = SqliteKeyStore.open(tmp_path / "keys.db")
    store = CountingStore(base.path, base._reader)
    yield store
    await store.close()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Return a builder of Settings isolated from the real environment."""

    def make(**overrides: Any) -> Settings:
        overrides.setdefault("data_dir", tmp_path / "var")
        return Settings.from_env({}, **overrides)

    return make


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """Return the packaged catalog, parsed once per test session."""
    return load_catalog()


@pytest.fixture
async def make_service(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    make_settings: Callable[..., Settings],
    catalog: Catalog,
) -> AsyncIterator[MakeService]:
    """Return a starter of real apps; on teardown, check each one's audit log."""
    started: list[ServiceHarness] = []

    async def make(
        *,
        executors: ExecutorFactory = default_executors,
        clock: Callable[[], float] = time.time,
        **overrides: Any,
    ) -> ServiceHarness:
        settings = make_settings(**overrides)
        registry = CollectorRegistry()
        app = create_app(
            settings, registry=registry, executors=executors, catalog=catalog, clock=clock
        )
        harness = ServiceHarness(settings, await aiohttp_client(app), registry)
        started.append(harness)
        return harness

    yield make
    for harness in started:
        await harness.client.close()
        harness.assert_audit_log_clean()


@pytest.fixture
async def service(make_service: MakeService) -> ServiceHarness:
    """Return a running app with the shipped executors and default settings."""
    return await make_service()


# The envelope's `error` per status, as the README and OpenAPI document promise it.
ERROR_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


async def envelope(response: ClientResponse, status: int, reason: str) -> dict[str, Any]:
    """Assert an error response's status, envelope, reason code and trace header."""
    __tracebackhide__ = True
    body = await response.json()
    assert response.status == status, body
    assert set(body) == {"error", "trace_id", "reason_codes", "message"}, body
    assert body["reason_codes"] == [reason], body
    # Written out, not read from the code under test: a changed name must fail here.
    assert body["error"] == ERROR_NAMES[status], body
    assert response.headers["X-Request-Id"] == body["trace_id"]
    assert body["message"]
    return body  # type: ignore[no-any-return]


ExpectError = Callable[[ClientResponse, int, str], Awaitable[dict[str, Any]]]


@pytest.fixture
def expect_error() -> ExpectError:
    """Return the assertion helper for error envelopes."""
    return envelope


@pytest.fixture
async def scripted_service(make_service: MakeService) -> ServiceHarness:
    """Return a running app whose `chat` action is the ScriptedChat executor (0.1 s timeout)."""
    return await make_service(executors=scripted_executors, executor_timeout_seconds=0.1)


@pytest.fixture
def scripted() -> ExecutorFactory:
    """Return the executor factory with the ScriptedChat executor."""
    return scripted_executors
