"""The key administration API: admin only, secret shown once, revocation takes effect."""

from __future__ import annotations

from typing import Any

import pytest

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}


async def test_admin_creates_a_key_that_works_and_shows_its_secret_once(service: Any) -> None:
    admin = await service.issue_key("admin")
    response = await service.client.post(
        "/admin/keys",
        json={"role": "viewer", "name": "ci bot", "expires_in_days": 30},
        headers={"X-API-KEY": admin},
    )
    created = await response.json()
    assert response.status == 201
    assert created["role"] == "viewer" and created["state"] == "active"
    assert created["expires_at"] is not None
    new_key = created["api_key"]
    service.issued.append(new_key)
    assert (await service.process(new_key, ECHO)).status == 200

    listed = await (await service.client.get("/admin/keys", headers={"X-API-KEY": admin})).json()
    ids = [k["key_id"] for k in listed["keys"]]
    assert created["key_id"] in ids
    assert all("api_key" not in k and "secret_hash" not in k for k in listed["keys"])
    assert new_key.split(".")[1] not in str(listed)


async def test_revoke_through_the_api_refuses_the_next_request(
    service: Any, expect_error: Any
) -> None:
    admin = await service.issue_key("admin")
    victim = await service.issue_key("operator")
    assert (await service.process(victim, ECHO)).status == 200
    victim_id = victim.split(".")[0]
    response = await service.client.delete(f"/admin/keys/{victim_id}", headers={"X-API-KEY": admin})
    assert response.status == 200
    assert (await response.json())["state"] == "revoked"
    await expect_error(await service.process(victim, ECHO), 401, "AUTHENTICATION_INVALID_KEY")
    events = [e for e in service.audit_events() if e["event"] == "KEY_REVOKED"]
    assert events == [
        {**events[0], "key_id": victim_id, "actor": admin.split(".")[0]},
    ]


async def test_revoking_an_unknown_key_is_404(service: Any, expect_error: Any) -> None:
    admin = await service.issue_key("admin")
    for key_id in ("key_0000000000000000", "not-a-key-id"):
        response = await service.client.delete(
            f"/admin/keys/{key_id}", headers={"X-API-KEY": admin}
        )
        await expect_error(response, 404, "KEY_NOT_FOUND")


@pytest.mark.parametrize("role", ["operator", "viewer"])
async def test_non_admin_roles_are_403(service: Any, expect_error: Any, role: str) -> None:
    key = await service.issue_key(role)
    response = await service.client.get("/admin/keys", headers={"X-API-KEY": key})
    await expect_error(response, 403, "ACTION_FORBIDDEN")
    response = await service.client.post(
        "/admin/keys", json={"role": "admin"}, headers={"X-API-KEY": key}
    )
    await expect_error(response, 403, "ACTION_FORBIDDEN")


async def test_admin_api_needs_a_key(service: Any, expect_error: Any) -> None:
    await expect_error(await service.client.get("/admin/keys"), 401, "AUTHENTICATION_MISSING")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "root"}, "role"),
        ({}, "role"),
        ({"role": "viewer", "expires_in_days": 0}, "expires_in_days"),
        ({"role": "viewer", "name": 5}, "name"),
        ({"role": "viewer", "owner": "x"}, "owner"),
    ],
)
async def test_bad_create_bodies_are_422_naming_the_field(
    service: Any, expect_error: Any, body: dict[str, Any], field: str
) -> None:
    admin = await service.issue_key("admin")
    response = await service.client.post("/admin/keys", json=body, headers={"X-API-KEY": admin})
    error = await expect_error(response, 422, "SCHEMA_VIOLATION")
    assert error["message"].startswith(f"{field}:")


async def test_database_holds_no_plaintext_secret(service: Any) -> None:
    key = await service.issue_key("admin")
    secret = key.split(".")[1]
    rows = service.table_rows("api_keys")
    assert rows and secret not in repr(rows)
    assert secret.encode() not in service.database_bytes()
