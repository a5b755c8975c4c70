"""Regressions for 5xx answers the reliability fuzzers (schemathesis, hypothesis) found."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client import CollectorRegistry

from service.credentials.keys import create_key
from service.http.app import create_app
from service.settings import Settings
from service.storage import SqliteKeyStore

MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]


async def _client_and_key(
    aiohttp_client: MakeClient, tmp_path: Path, role: str
) -> tuple[TestClient[Any, Any], str]:
    settings = Settings.from_env({}, data_dir=tmp_path / "var")
    store = SqliteKeyStore.open(settings.resolved_db_path)
    try:
        api_key = (await create_key(store, role=role)).api_key
    finally:
        await store.close()
    client = await aiohttp_client(create_app(settings, registry=CollectorRegistry()))
    return client, api_key


async def test_admin_key_name_with_a_line_separator_is_refused_with_422(
    aiohttp_client: MakeClient, tmp_path: Path
) -> None:
    # U+2028 passes the JSON schema (maxLength 100) and the safe-string gate, but
    # str.isprintable() is False, so create_key raises ValueError after the gates.
    client, admin = await _client_and_key(aiohttp_client, tmp_path, "admin")
    answer = await client.post(
        "/admin/keys", json={"role": "viewer", "name": "a\u2028b"}, headers={"X-API-KEY": admin}
    )
    body = await answer.json()
    assert answer.status == 422, body
    assert body["reason_codes"] == ["SCHEMA_VIOLATION"] and "name" in body["message"]


@pytest.mark.parametrize("field", ["top_n", "summary_sentences"])
async def test_integral_float_for_an_integer_field_is_not_a_server_error(
    aiohttp_client: MakeClient, tmp_path: Path, field: str
) -> None:
    client, operator = await _client_and_key(aiohttp_client, tmp_path, "operator")
    answer = await client.post(
        "/process",
        json={
            "action": "analyze_text",
            "context_id": "default",
            "payload": {"text": "One sentence here. Another one there.", field: 2.0},
        },
        headers={"X-API-KEY": operator},
    )
    body = await answer.json()
    assert answer.status == 200, body
    assert len(body["result"]["top_terms"] if field == "top_n" else body["result"]["summary"]) == 2
