"""Property: any hostile input to POST /process gets a documented 2xx/4xx, never a 500."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from multidict import CIMultiDict
from prometheus_client import CollectorRegistry

from service.credentials.keys import create_key
from service.http.app import create_app
from service.settings import Settings
from service.storage import SqliteKeyStore
from tests.reliability.gate_strategies import HostileRequest, hostile_requests
from tests.reliability.reliability_record import RunRecord, SecretRegistry, pick

ENVELOPE_KEYS = {"error", "trace_id", "reason_codes", "message"}
STACK_TRACE_RE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")


class LiveApp:
    """The real app on a loopback port, driven from synchronous Hypothesis examples."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        settings_ = Settings.from_env(
            {},
            data_dir=data_dir,
            rate_limit_per_minute=1_000_000,
            unauthenticated_per_minute=1_000_000,
        )
        self.client: TestClient[Any, Any] = TestClient(
            TestServer(create_app(settings_, registry=CollectorRegistry()), loop=self.loop),
            loop=self.loop,
        )
        self.loop.run_until_complete(self.client.start_server())
        self.api_key = self.loop.run_until_complete(self._issue(settings_))
        self.openapi: dict[str, Any] = self.loop.run_until_complete(self._openapi())

    async def _issue(self, settings_: Settings) -> str:
        store = SqliteKeyStore.open(settings_.resolved_db_path)
        try:
            return (await create_key(store, role="operator")).api_key
        finally:
            await store.close()

    async def _openapi(self) -> dict[str, Any]:
        async with self.client.get("/openapi.json") as answer:
            document: dict[str, Any] = await answer.json()
            return document

    def documented(self) -> dict[int, set[str]]:
        """Return status → reason codes that POST /process documents."""
        responses = self.openapi["paths"]["/process"]["post"]["responses"]
        return {int(code): set(spec.get("x-reason-codes", [])) for code, spec in responses.items()}

    def send(self, headers: dict[str, str], body: bytes) -> tuple[int, CIMultiDict[str], bytes]:
        """POST the body with the headers and return status, headers and raw body."""

        async def post() -> tuple[int, CIMultiDict[str], bytes]:
            session: ClientSession = self.client.session
            url = self.client.make_url("/process")
            async with session.post(url, data=body, headers=headers) as answer:
                return answer.status, CIMultiDict(answer.headers), await answer.read()

        return self.loop.run_until_complete(post())

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


@pytest.fixture
def live_app(test_folder: Path, secret_registry: SecretRegistry) -> Iterator[LiveApp]:
    """Return the running app; its log goes to the test folder, which the scanner reads."""
    handler = logging.FileHandler(test_folder / "service.log")
    logging.getLogger().addHandler(handler)
    app = LiveApp(test_folder / "var")
    secret_registry.add_api_key(app.api_key)
    try:
        yield app
    finally:
        app.close()
        logging.getLogger().removeHandler(handler)
        handler.close()


def _headers(request: HostileRequest, api_key: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    if request.content_type:
        headers["Content-Type"] = request.content_type
    if request.key_mode in ("x-api-key", "both"):
        headers["X-API-KEY"] = api_key
    if request.key_mode in ("bearer", "both"):
        headers["Authorization"] = f"Bearer {api_key}"
    if request.key_mode == "conflict":
        headers.update({"X-API-KEY": api_key, "Authorization": "Bearer key_0.x"})
    if request.key_mode == "junk":
        headers["X-API-KEY"] = api_key[:-1] + ("A" if api_key[-1] != "A" else "B")
    return {**headers, **request.header_junk}


@pytest.mark.reliability
def test_hostile_inputs_get_documented_answers_never_500(
    bounded: bool, run_record: RunRecord, live_app: LiveApp, test_folder: Path
) -> None:
    documented = live_app.documented()
    seen: Counter[int] = Counter()

    @settings(
        max_examples=pick(bounded, 500, 5000),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(request=hostile_requests())
    def answers_are_documented(request: HostileRequest) -> None:
        status, headers, raw = live_app.send(_headers(request, live_app.api_key), request.body)
        seen[status] += 1
        assert status < 500, raw[:300]
        assert STACK_TRACE_RE.search(raw.decode("utf-8", "replace")) is None
        assert status in documented, f"undocumented status {status}: {raw[:300]!r}"
        if status == 200:
            return
        body = json.loads(raw)
        assert set(body) == ENVELOPE_KEYS, body
        assert headers.get("X-Request-Id") == body["trace_id"], body
        assert body["reason_codes"] and set(body["reason_codes"]) <= documented[status], body
        assert isinstance(body["message"], str) and body["message"]

    answers_are_documented()
    service_log = (test_folder / "service.log").read_text(encoding="utf-8", errors="replace")
    run_record.record(
        "fuzz_gate_properties",
        "tests/reliability/test_gate_properties.py",
        examples=sum(seen.values()),
        statuses={str(code): count for code, count in sorted(seen.items())},
    )
    assert "unhandled error" not in service_log
    assert 200 in seen and len(seen) >= 6, f"the strategies reached too few outcomes: {seen}"
