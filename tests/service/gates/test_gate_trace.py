"""G0: every request gets a server-made id; valid caller ids are kept apart as correlation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from service.gates.trace import TRACE_ID_BATCH, new_trace_id, trace_context

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
GENERATED = re.compile(r"^tr_[0-9a-f]{32}$")


def test_valid_request_id_is_kept_as_the_correlation_id() -> None:
    context = trace_context({"X-Request-Id": "req-12345678"})
    assert context.correlation_id == "req-12345678"
    assert GENERATED.match(context.trace_id)


def test_the_request_id_is_new_even_when_the_caller_reuses_one() -> None:
    headers = {"X-Request-Id": "req-12345678"}
    assert trace_context(headers).trace_id != trace_context(headers).trace_id


@pytest.mark.parametrize("bad", ["short", "has space in it", "x" * 200, 'quote"inside1', ""])
def test_invalid_request_id_is_no_correlation(bad: str) -> None:
    context = trace_context({"X-Request-Id": bad})
    assert GENERATED.match(context.trace_id)
    assert context.correlation_id is None


def test_traceparent_supplies_the_correlation_id_and_is_echoed() -> None:
    context = trace_context({"traceparent": TRACEPARENT})
    assert context.correlation_id == "tr_4bf92f3577b34da6a3ce929d0e0e4736"
    assert context.trace_id != context.correlation_id
    assert context.traceparent == TRACEPARENT


@pytest.mark.parametrize(
    "bad",
    [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "garbage",
    ],
)
def test_invalid_traceparent_is_ignored(bad: str) -> None:
    context = trace_context({"traceparent": bad})
    assert context.traceparent is None
    assert GENERATED.match(context.trace_id)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health", 200),
        ("GET", "/metrics", 200),
        ("GET", "/nowhere", 404),
        ("PUT", "/process", 405),
        ("POST", "/process", 401),
    ],
)
async def test_every_response_carries_x_request_id(
    service: Any, method: str, path: str, status: int
) -> None:
    response = await service.client.request(method, path)
    assert response.status == status
    assert GENERATED.match(response.headers["X-Request-Id"])


async def test_the_answer_names_the_servers_id_and_echoes_traceparent(service: Any) -> None:
    response = await service.client.post(
        "/process", json={}, headers={"X-Request-Id": "client-req-0001", "traceparent": TRACEPARENT}
    )
    own = response.headers["X-Request-Id"]
    assert GENERATED.match(own)
    assert response.headers["traceparent"] == TRACEPARENT
    assert (await response.json())["trace_id"] == own


async def test_404_and_405_use_the_error_envelope(service: Any, expect_error: Any) -> None:
    await expect_error(await service.client.get("/nowhere"), 404, "NOT_FOUND")
    response = await service.client.delete("/process")
    await expect_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "POST"


def test_batched_trace_ids_are_well_formed_and_never_repeat() -> None:
    # Across several batches: every id is fresh and has the documented shape.
    ids = [new_trace_id() for _ in range(5 * TRACE_ID_BATCH + 3)]
    assert len(set(ids)) == len(ids)
    assert all(GENERATED.match(trace_id) for trace_id in ids)
