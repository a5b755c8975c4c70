"""G1 over HTTP: missing, malformed, unknown, wrong-secret, revoked and expired keys."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.storage import SqliteKeyStore

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}


async def test_valid_key_in_x_api_key_is_allowed(service: Any) -> None:
    key = await service.issue_key("viewer")
    response = await service.process(key, ECHO)
    body = await response.json()
    assert response.status == 200
    assert body["result"] == {"message": "hi", "length": 2}
    assert body["trace_id"] == response.headers["X-Request-Id"]


async def test_valid_key_as_bearer_token_is_allowed(service: Any) -> None:
    key = await service.issue_key("viewer")
    response = await service.process(None, ECHO, Authorization=f"Bearer {key}")
    assert response.status == 200


async def test_missing_key_is_401_authentication_missing(service: Any, expect_error: Any) -> None:
    await expect_error(await service.process(None, ECHO), 401, "AUTHENTICATION_MISSING")
    empty_bearer = await service.process(None, ECHO, Authorization="Bearer  ")
    await expect_error(empty_bearer, 401, "AUTHENTICATION_MISSING")


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-KEY": "not-a-key"},
        {"X-API-KEY": "key_0123456789abcdef." + "A" * 43},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["malformed", "unknown-id", "not-bearer"],
)
async def test_bad_keys_are_401_invalid_key(
    service: Any, expect_error: Any, headers: dict[str, str]
) -> None:
    response = await service.client.post("/process", json=ECHO, headers=headers)
    await expect_error(response, 401, "AUTHENTICATION_INVALID_KEY")


async def test_right_id_wrong_secret_is_401(service: Any, expect_error: Any) -> None:
    key = await service.issue_key()
    key_id = key.split(".")[0]
    forged = f"{key_id}.{'B' * 43}"
    await expect_error(await service.process(forged, ECHO), 401, "AUTHENTICATION_INVALID_KEY")


async def test_two_different_keys_in_two_headers_are_refused(
    service: Any, expect_error: Any
) -> None:
    first, second = await service.issue_key(), await service.issue_key()
    response = await service.process(first, ECHO, Authorization=f"Bearer {second}")
    await expect_error(response, 401, "AUTHENTICATION_INVALID_KEY")


async def test_revoked_key_fails_on_the_next_request(service: Any, expect_error: Any) -> None:
    key = await service.issue_key()
    assert (await service.process(key, ECHO)).status == 200
    # Revoke through another connection, as `python -m service keys revoke` does.
    store = SqliteKeyStore.open(service.settings.resolved_db_path)
    try:
        await store.revoke_key(key.split(".")[0], datetime.now(UTC))
    finally:
        await store.close()
    await expect_error(await service.process(key, ECHO), 401, "AUTHENTICATION_INVALID_KEY")


async def test_expired_key_is_401(service: Any, expect_error: Any) -> None:
    key = await service.issue_key(expires_in_days=1)
    # Age the key: move its expiry into the past, straight in the database.
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    connection = sqlite3.connect(service.settings.resolved_db_path)
    try:
        with connection:
            connection.execute(
                "UPDATE api_keys SET expires_at = ? WHERE key_id = ?", (past, key.split(".")[0])
            )
    finally:
        connection.close()
    await expect_error(await service.process(key, ECHO), 401, "AUTHENTICATION_INVALID_KEY")


async def test_authn_decisions_are_counted(service: Any) -> None:
    key = await service.issue_key()
    await service.process(key, ECHO)
    await service.process(None, ECHO)
    labels = {"gate": "authn"}
    assert (
        service.metric("techno_gate_decisions_total", **labels, decision="ALLOW", reason="OK") == 1
    )
    missing = service.metric(
        "techno_gate_decisions_total", **labels, decision="DENY", reason="AUTHENTICATION_MISSING"
    )
    assert missing == 1
