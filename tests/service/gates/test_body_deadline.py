"""A body that trickles in is cut off: 408 REQUEST_TIMEOUT, recorded, connection closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from tests.service.http.test_openapi import Conformance, fetch_document


async def test_a_trickled_body_gets_408_and_its_record(
    make_service: Any, expect_error: Any
) -> None:
    service = await make_service(body_read_timeout_seconds=0.2)
    conformance = Conformance(await fetch_document(service))
    key = await service.issue_key("viewer")

    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"action":"echo",'
        await asyncio.sleep(2)  # far past the deadline
        yield b'"context_id":"default","payload":{"message":"hi"}}'

    headers = {"X-API-KEY": key, "Content-Type": "application/json"}
    response = await service.client.post("/process", data=trickle(), headers=headers)
    body = await expect_error(response, 408, "REQUEST_TIMEOUT")
    await conformance.check("/process", "post", response)
    assert response.headers.get("Connection", "").lower() == "close"
    end = [e for e in service.audit_events() if e["trace_id"] == body["trace_id"]][-1]
    assert (end["event"], end["status"]) == ("REQUEST_END", 408)


async def test_a_prompt_body_is_read_as_before(make_service: Any) -> None:
    service = await make_service(body_read_timeout_seconds=0.2)
    key = await service.issue_key("viewer")
    echo = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
    assert (await service.process(key, echo)).status == 200
