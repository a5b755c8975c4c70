"""/openapi.json is a valid OpenAPI 3.1 document and matches what the server really does."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from aiohttp import ClientResponse
from jsonschema import Draft202012Validator

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
# Only a bug produces these; no request can provoke them on purpose.
UNPROVOKABLE = {("500", "INTERNAL_ERROR")}
# Needs a shared rate limit store that stops answering: proven against a real
# Redis by test_gate_rate_limit_redis.py::test_an_unreachable_redis_answers_as_documented.
NEEDS_REDIS = {("503", "RATE_LIMIT_UNAVAILABLE")}
# A failing audit disk and a trickling client, each proven on its own: by
# tests/service/audit/test_audit_trail.py (fsync fails closed) and
# tests/service/gates/test_body_deadline.py (408 on a trickled body).
ELSEWHERE = {("503", "AUDIT_UNAVAILABLE"), ("408", "REQUEST_TIMEOUT")}


async def fetch_document(service: Any) -> dict[str, Any]:
    response = await service.client.get("/openapi.json")
    assert response.status == 200
    return await response.json()  # type: ignore[no-any-return]


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


async def test_document_is_well_formed(service: Any) -> None:
    document = await fetch_document(service)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    for ref in refs(document):
        assert ref.startswith("#/"), ref
        resolve(document, ref)  # raises KeyError when dangling
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["operationId"], (path, method)
            for status, response in operation["responses"].items():
                assert status.isdigit() and response["description"], (path, method, status)
                assert "X-Request-Id" in response["headers"]


async def test_every_route_is_documented_and_nothing_else(service: Any) -> None:
    document = await fetch_document(service)
    # `*` is the catch-all that answers 404/405 envelopes, not an API route.
    served = {
        (route.resource.canonical, route.method.lower())
        for route in service.client.app.router.routes()
        if route.method not in ("HEAD", "*") and route.resource is not None
    }
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert served == documented


class Conformance:
    """Check live responses against the document and remember what was exercised."""

    def __init__(
        self, document: dict[str, Any], proven_elsewhere: set[tuple[str, str]] = NEEDS_REDIS
    ) -> None:
        self.document = document
        self.proven_elsewhere = proven_elsewhere
        self.seen: set[tuple[str, str, str, str]] = set()

    async def check(self, path: str, method: str, response: ClientResponse) -> None:
        __tracebackhide__ = True
        operation = self.document["paths"][path][method]
        status = str(response.status)
        assert status in operation["responses"], f"{method} {path} answered undocumented {status}"
        documented = operation["responses"][status]
        if "content" not in documented:
            assert await response.read() == b"", f"{method} {path} {status} must have no body"
            self.seen.add((path, method, status, "OK"))
            return
        body = await response.json()
        schema = documented["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": self.document["components"]})
        validator.validate(body)
        reason = body["reason_codes"][0] if "reason_codes" in body else "OK"
        if "x-reason-codes" in documented:
            assert reason in documented["x-reason-codes"], (path, method, status, reason)
        self.seen.add((path, method, status, reason))

    def unexercised(self, path: str, method: str) -> set[tuple[str, str]]:
        operation = self.document["paths"][path][method]
        expected = {
            (status, reason)
            for status, response in operation["responses"].items()
            for reason in response.get("x-reason-codes", ["OK"])
        }
        done = {(s, r) for p, m, s, r in self.seen if (p, m) == (path, method)}
        return expected - done - UNPROVOKABLE - ELSEWHERE - self.proven_elsewhere


async def test_process_answers_exactly_as_documented(make_service: Any, scripted: Any) -> None:
    service = await make_service(
        executors=scripted,
        executor_timeout_seconds=0.05,
        rate_limit_per_minute=10,
        max_body_bytes=2048,
    )
    conformance = Conformance(await fetch_document(service))
    admin, viewer = await service.issue_key("admin"), await service.issue_key("viewer")
    json_headers = {"X-API-KEY": viewer, "Content-Type": "application/json"}
    post = service.client.post
    chat = {"action": "chat", "context_id": "ops"}
    cases = [
        post("/process", json=ECHO, headers={"X-API-KEY": viewer}),
        post("/process", json=ECHO),
        post("/process", json=ECHO, headers={"X-API-KEY": "junk"}),
        post("/process", json={**ECHO, "context_id": "ops"}, headers={"X-API-KEY": viewer}),
        post("/process", data=b"x" * 4096, headers=json_headers),
        post("/process", data=b"{}", headers={"X-API-KEY": viewer, "Content-Type": "text/plain"}),
        post("/process", data=b"{", headers=json_headers),
        post("/process", json={"action": "echo"}, headers={"X-API-KEY": admin}),
        post("/process", json={**ECHO, "action": "nope"}, headers={"X-API-KEY": admin}),
        post("/process", json={**ECHO, "context_id": "nope"}, headers={"X-API-KEY": admin}),
        post(
            "/process", json={**ECHO, "payload": {"message": "\x07"}}, headers={"X-API-KEY": admin}
        ),
        post("/process", json={**chat, "payload": {"mode": "error"}}, headers={"X-API-KEY": admin}),
        post(
            "/process", json={**chat, "payload": {"mode": "invalid"}}, headers={"X-API-KEY": admin}
        ),
    ]
    for case in cases:
        await conformance.check("/process", "post", await case)
    for mode in ("circuit_open", "sleep"):
        other_admin = await service.issue_key("admin")
        response = await post(
            "/process", json={**chat, "payload": {"mode": mode}}, headers={"X-API-KEY": other_admin}
        )
        await conformance.check("/process", "post", response)
    for _ in range(10):
        response = await post("/process", json=ECHO, headers={"X-API-KEY": viewer})
    await conformance.check("/process", "post", response)
    await conformance.check("/ready", "get", await service.client.get("/ready"))
    # Break the store under the running app: lookups of an uncached key now fail.
    stranger = await service.issue_key("viewer")
    connection = sqlite3.connect(service.settings.resolved_db_path)
    connection.execute("ALTER TABLE api_keys RENAME TO api_keys_moved")
    connection.commit()
    connection.close()
    response = await post("/process", json=ECHO, headers={"X-API-KEY": stranger})
    await conformance.check("/process", "post", response)
    response = await service.client.get("/ready")
    await conformance.check("/ready", "get", response)
    assert conformance.unexercised("/process", "post") == set()
    assert conformance.unexercised("/ready", "get") == set()


async def test_admin_routes_answer_as_documented(service: Any) -> None:
    conformance = Conformance(await fetch_document(service))
    admin, viewer = await service.issue_key("admin"), await service.issue_key("viewer")
    client = service.client
    as_admin = {"X-API-KEY": admin}
    created = await client.post("/admin/keys", json={"role": "viewer"}, headers=as_admin)
    service.issued.append((await created.json())["api_key"])
    await conformance.check("/admin/keys", "post", created)
    for response in [
        await client.post("/admin/keys", json={"role": "x"}, headers=as_admin),
        await client.post(
            "/admin/keys", data=b"[", headers={**as_admin, "Content-Type": "application/json"}
        ),
        await client.post(
            "/admin/keys", data=b"{}", headers={**as_admin, "Content-Type": "text/plain"}
        ),
        await client.post("/admin/keys", json={"role": "viewer"}, headers={"X-API-KEY": viewer}),
        await client.post("/admin/keys", json={"role": "viewer"}),
    ]:
        await conformance.check("/admin/keys", "post", response)
    await conformance.check("/admin/keys", "get", await client.get("/admin/keys", headers=as_admin))
    await conformance.check(
        "/admin/keys/{key_id}",
        "delete",
        await client.delete(f"/admin/keys/{viewer.split('.')[0]}", headers=as_admin),
    )
    await conformance.check(
        "/admin/keys/{key_id}",
        "delete",
        await client.delete("/admin/keys/key_0000000000000000", headers=as_admin),
    )
    for path, method in (("/health", "get"), ("/ready", "get"), ("/openapi.json", "get")):
        await conformance.check(path, method, await client.request(method, path))


async def test_session_routes_answer_as_documented(make_service: Any) -> None:
    service = await make_service(rate_limit_per_minute=20, max_body_bytes=256)
    conformance = Conformance(await fetch_document(service))
    key, limited = await service.issue_key("viewer"), await service.issue_key("viewer")
    client = service.client
    as_key = {"X-API-KEY": key}
    json_type = {**as_key, "Content-Type": "application/json"}
    sessions_post = [
        await client.post("/sessions", headers=as_key),
        await client.post("/sessions", json={"ttl_seconds": 60}, headers=as_key),
        await client.post("/sessions", json={"ttl_seconds": 1}, headers=as_key),
        await client.post("/sessions", data=b'{"ttl\\u0007": 1}', headers=json_type),
        await client.post("/sessions", data=b"{", headers=json_type),
        await client.post(
            "/sessions", data=b"{}", headers={**as_key, "Content-Type": "text/plain"}
        ),
        await client.post("/sessions", data=b" " * 512, headers=json_type),
        await client.post("/sessions"),
        await client.post("/sessions", headers={"X-API-KEY": "nope"}),
    ]
    for response in sessions_post:
        await conformance.check("/sessions", "post", response)
    token = (await service.open_session(key))["token"]
    refused = await client.post("/sessions", headers={"X-API-KEY": token})
    await conformance.check("/sessions", "post", refused)

    delete = client.delete
    for response in [
        await delete("/sessions/current", headers=as_key),
        await delete("/sessions/current"),
        await delete("/sessions/current", headers={"X-API-KEY": "ses_nope"}),
        await delete("/sessions/current", headers={"X-API-KEY": token}),
    ]:
        await conformance.check("/sessions/current", "delete", response)

    spent = (await service.open_session(limited))["token"]
    for _ in range(1000):  # bounded: a broken limiter fails here instead of hanging
        if (await service.process(limited, ECHO)).status == 429:
            break
    else:
        raise AssertionError("the key was never rate limited")
    await conformance.check(
        "/sessions", "post", await client.post("/sessions", headers={"X-API-KEY": limited})
    )
    await conformance.check(
        "/sessions/current",
        "delete",
        await delete("/sessions/current", headers={"X-API-KEY": spent}),
    )
    # Break the sessions table under the running app.
    live = (await service.open_session(key))["token"]
    connection = sqlite3.connect(service.settings.resolved_db_path)
    connection.execute("ALTER TABLE sessions RENAME TO sessions_moved")
    connection.commit()
    connection.close()
    await conformance.check("/sessions", "post", await client.post("/sessions", headers=as_key))
    await conformance.check(
        "/sessions/current",
        "delete",
        await delete("/sessions/current", headers={"X-API-KEY": live}),
    )
    assert conformance.unexercised("/sessions", "post") == set()
    assert conformance.unexercised("/sessions/current", "delete") == set()


async def test_document_lists_every_action_payload(service: Any) -> None:
    document = await fetch_document(service)
    variants = document["components"]["schemas"]["ProcessRequest"]["oneOf"]
    actions = {variant["properties"]["action"]["const"] for variant in variants}
    assert actions == {"echo", "analyze_text", "chat"}
    echo = next(v for v in variants if v["properties"]["action"]["const"] == "echo")
    assert echo["properties"]["payload"]["required"] == ["message"]
    assert json.dumps(document)  # serialisable as served
