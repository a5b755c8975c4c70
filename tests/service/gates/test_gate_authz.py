"""G10: the action matrix decides role x action x context (403 ACTION_FORBIDDEN)."""

from __future__ import annotations

from typing import Any

import pytest

TEXT = {"text": "Short text. Two sentences."}


@pytest.mark.parametrize(
    ("role", "action", "context", "payload", "status"),
    [
        ("viewer", "echo", "default", {"message": "x"}, 200),
        ("viewer", "echo", "ops", {"message": "x"}, 403),
        ("viewer", "analyze_text", "default", TEXT, 403),
        ("operator", "analyze_text", "ops", TEXT, 200),
        ("operator", "echo", "ops", {"message": "x"}, 200),
        ("admin", "analyze_text", "default", TEXT, 200),
    ],
)
async def test_matrix_grants_decide(
    service: Any,
    expect_error: Any,
    role: str,
    action: str,
    context: str,
    payload: dict[str, Any],
    status: int,
) -> None:
    key = await service.issue_key(role)
    body = {"action": action, "context_id": context, "payload": payload}
    response = await service.process(key, body)
    if status == 200:
        assert response.status == 200, await response.text()
    else:
        error = await expect_error(response, 403, "ACTION_FORBIDDEN")
        assert role in error["message"]


async def test_forbidden_request_never_reaches_an_executor(service: Any, expect_error: Any) -> None:
    key = await service.issue_key("viewer")
    body = {"action": "analyze_text", "context_id": "default", "payload": TEXT}
    await expect_error(await service.process(key, body), 403, "ACTION_FORBIDDEN")
    events = [e["event"] for e in service.audit_events()]
    assert "EXECUTOR_SELECTED" not in events
    assert (
        service.metric("techno_executor_calls_total", executor="text_analysis", outcome="success")
        == 0
    )
