"""Sessions over HTTP: created with an API key, used like it, ended by themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
ANALYZE_OPS = {"action": "analyze_text", "context_id": "ops", "payload": {"text": "a b"}}


async def test_a_session_acts_as_its_key_until_it_ends(service: Any, expect_error: Any) -> None:
    key = await service.issue_key("operator")
    before = datetime.now(UTC).replace(microsecond=0)
    created = await service.open_session(key)
    key_id = key.split(".")[0]
    assert set(created) == {"session_id", "token", "key_id", "role", "expires_at"}
    assert created["key_id"] == key_id and created["role"] == "operator"
    assert created["token"].startswith(created["session_id"] + ".")
    expires = datetime.fromisoformat(created["expires_at"]) - before
    assert timedelta(hours=8) <= expires <= timedelta(hours=8, seconds=2), "default TTL is 8 h"

    token = created["token"]
    response = await service.process(token, ANALYZE_OPS)
    assert response.status == 200, await response.json()
    bearer = await service.process(None, ECHO, Authorization=f"Bearer {token}")
    assert bearer.status == 200

    ended = await service.client.delete("/sessions/current", headers={"X-API-KEY": token})
    assert ended.status == 204
    assert ended.headers["X-Request-Id"]
    await expect_error(await service.process(token, ECHO), 401, "AUTHENTICATION_INVALID_KEY")
    assert (await service.process(key, ECHO)).status == 200, "ending a session spares its key"


async def test_a_session_has_exactly_its_keys_role(service: Any, expect_error: Any) -> None:
    viewer = await service.issue_key("viewer")
    token = (await service.open_session(viewer))["token"]
    assert (await service.process(token, ECHO)).status == 200
    await expect_error(await service.process(token, ANALYZE_OPS), 403, "ACTION_FORBIDDEN")
    listing = await service.client.get("/admin/keys", headers={"X-API-KEY": token})
    await expect_error(listing, 403, "ACTION_FORBIDDEN")


async def test_ttl_seconds_sets_the_lifetime(service: Any) -> None:
    key = await service.issue_key()
    created = await service.open_session(key, {"ttl_seconds": 600})
    session = await service.open_session(key, {})
    lifetime = datetime.fromisoformat(created["expires_at"]) - datetime.now(UTC)
    assert timedelta(seconds=595) < lifetime <= timedelta(seconds=600)
    assert session["expires_at"] > created["expires_at"], "{} means the configured TTL"


async def test_a_session_token_cannot_mint_credentials(service: Any, expect_error: Any) -> None:
    admin = await service.issue_key("admin")
    token = (await service.open_session(admin))["token"]
    for headers in ({"X-API-KEY": token}, {"Authorization": f"Bearer {token}"}):
        refused = await service.client.post("/sessions", headers=headers)
        error = await expect_error(refused, 403, "ACTION_FORBIDDEN")
        assert "API key" in error["message"]
    new_key = await service.client.post(
        "/admin/keys", json={"role": "viewer"}, headers={"X-API-KEY": token}
    )
    await expect_error(new_key, 403, "ACTION_FORBIDDEN")
    listing = await service.client.get("/admin/keys", headers={"X-API-KEY": token})
    assert listing.status == 200, "an admin session still administers keys"
    created = [e for e in service.audit_events() if e["event"] == "SESSION_CREATED"]
    assert len(created) == 1


async def test_ending_needs_a_session_token(service: Any, expect_error: Any) -> None:
    key = await service.issue_key()
    response = await service.client.delete("/sessions/current", headers={"X-API-KEY": key})
    error = await expect_error(response, 400, "SESSION_REQUIRED")
    assert "API key" in error["message"]
    await expect_error(
        await service.client.delete("/sessions/current"), 401, "AUTHENTICATION_MISSING"
    )
    assert (await service.process(key, ECHO)).status == 200


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"ttl_seconds": 59}, "ttl_seconds", "must be at least 60"),
        ({"ttl_seconds": 28801}, "ttl_seconds", "must be at most 28800"),
        ({"ttl_seconds": "600"}, "ttl_seconds", "must be of type integer"),
        ({"ttl_seconds": True}, "ttl_seconds", "must be of type integer"),
        ({"ttl_seconds": 600.5}, "ttl_seconds", "must be of type integer"),
        ({"ttl": 600}, "ttl", "is not an allowed property"),
    ],
)
async def test_bad_bodies_are_422_naming_the_field(
    service: Any, expect_error: Any, body: dict[str, Any], field: str, problem: str
) -> None:
    key = await service.issue_key()
    response = await service.client.post("/sessions", json=body, headers={"X-API-KEY": key})
    error = await expect_error(response, 422, "SCHEMA_VIOLATION")
    assert error["message"] == f"{field}: {problem}"
    assert not [e for e in service.audit_events() if e["event"] == "SESSION_CREATED"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "reason"),
    [
        (b"{", "application/json", 400, "INVALID_JSON"),
        (b"[]", "application/json", 400, "INVALID_JSON"),
        (b'{"ttl_seconds": 600}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ],
)
async def test_unreadable_bodies_use_the_error_envelope(
    service: Any, expect_error: Any, data: bytes, content_type: str, status: int, reason: str
) -> None:
    key = await service.issue_key()
    headers = {"X-API-KEY": key, "Content-Type": content_type}
    response = await service.client.post("/sessions", data=data, headers=headers)
    await expect_error(response, status, reason)


async def test_the_maximum_ttl_is_the_configured_one(make_service: Any, expect_error: Any) -> None:
    service = await make_service(session_ttl_seconds=120)
    key = await service.issue_key()
    await service.open_session(key, {"ttl_seconds": 120})
    response = await service.client.post(
        "/sessions", json={"ttl_seconds": 121}, headers={"X-API-KEY": key}
    )
    error = await expect_error(response, 422, "SCHEMA_VIOLATION")
    assert error["message"] == "ttl_seconds: must be at most 120"


async def test_sessions_share_their_keys_rate_limit(make_service: Any, expect_error: Any) -> None:
    service = await make_service(rate_limit_per_minute=5)
    key, other = await service.issue_key(), await service.issue_key()
    first = (await service.open_session(key))["token"]
    second = (await service.open_session(key))["token"]
    for caller in (key, first, second):
        assert (await service.process(caller, ECHO)).status == 200
    for caller in (first, second, key):
        limited = await service.process(caller, ECHO)
        await expect_error(limited, 429, "RATE_LIMITED")
        assert int(limited.headers["Retry-After"]) >= 1
    refused = await service.client.post("/sessions", headers={"X-API-KEY": key})
    await expect_error(refused, 429, "RATE_LIMITED")
    assert (await service.process(other, ECHO)).status == 200, "other keys keep their budget"


async def test_create_and_end_are_audited_without_the_token(service: Any) -> None:
    key = await service.issue_key("operator")
    key_id = key.split(".")[0]
    created = await service.open_session(key, {"ttl_seconds": 300})
    create_trace = [e for e in service.audit_events() if e["event"] == "SESSION_CREATED"]
    token = created["token"]
    ended = await service.client.delete("/sessions/current", headers={"X-API-KEY": token})
    events = service.audit_events()

    def trace(trace_id: str) -> list[tuple[str, ...]]:
        found = [e for e in events if e["trace_id"] == trace_id]
        return [(e["event"], e.get("gate", ""), e.get("decision", "")) for e in found]

    assert trace(create_trace[0]["trace_id"]) == [
        ("REQUEST_START", "", ""),
        ("DECISION", "authn", "ALLOW"),
        ("DECISION", "rate_limit", "ALLOW"),
        ("DECISION", "authz", "ALLOW"),
        ("DECISION", "input", "ALLOW"),
        ("SESSION_CREATED", "", ""),
        ("REQUEST_END", "", ""),
    ]
    assert trace(ended.headers["X-Request-Id"]) == [
        ("REQUEST_START", "", ""),
        ("DECISION", "authn", "ALLOW"),
        ("DECISION", "rate_limit", "ALLOW"),
        ("SESSION_ENDED", "", ""),
        ("REQUEST_END", "", ""),
    ]
    session_events = [e for e in events if e["event"].startswith("SESSION_")]
    assert [(e["event"], e["session_id"], e["key_id"]) for e in session_events] == [
        ("SESSION_CREATED", created["session_id"], key_id),
        ("SESSION_ENDED", created["session_id"], key_id),
    ]
    assert session_events[0]["expires_at"] == created["expires_at"]
    decisions = [e for e in events if e["event"] == "DECISION"]
    assert {e["key_id"] for e in decisions} == {key_id}, "a session acts as its key"
    raw = service.settings.resolved_audit_path.read_text()
    assert token not in raw and token.split(".")[1] not in raw


async def test_routes_are_counted_under_their_templates(service: Any) -> None:
    key = await service.issue_key()
    token = (await service.open_session(key))["token"]
    await service.client.delete("/sessions/current", headers={"X-API-KEY": token})
    await service.client.get("/sessions")
    count = service.metric
    assert count("techno_http_requests_total", method="POST", route="/sessions", status="201") == 1
    assert (
        count(
            "techno_http_requests_total", method="DELETE", route="/sessions/current", status="204"
        )
        == 1
    )
    assert count("techno_http_requests_total", method="GET", route="/sessions", status="405") == 1
