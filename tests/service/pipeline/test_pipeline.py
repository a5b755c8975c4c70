"""The pipeline after the gates: executor selection, timeout, failures, result validation."""

from __future__ import annotations

from typing import Any

import pytest


def chat(mode: str) -> dict[str, Any]:
    return {"action": "chat", "context_id": "ops", "payload": {"mode": mode}}


async def test_success_response_shape(service: Any) -> None:
    key = await service.issue_key()
    response = await service.process(
        key, {"action": "analyze_text", "context_id": "ops", "payload": {"text": "One. Two."}}
    )
    body = await response.json()
    assert response.status == 200
    assert set(body) == {"trace_id", "status", "result", "executor_id", "execution_time_ms"}
    assert body["status"] == "SUCCESS"
    assert body["executor_id"] == "text_analysis"
    assert body["result"]["sentence_count"] == 2
    assert body["execution_time_ms"] >= 0
    assert service.metric("techno_action_results_total", status="SUCCESS") == 1
    assert service.metric("techno_pipeline_requests_total", outcome="success") == 1
    assert (
        service.metric("techno_executor_calls_total", executor="text_analysis", outcome="success")
        == 1
    )


@pytest.mark.parametrize(
    ("mode", "status", "reason", "outcome"),
    [
        ("sleep", 504, "EXECUTOR_TIMEOUT", "timeout"),
        ("timeout", 504, "EXECUTOR_TIMEOUT", "timeout"),
        ("circuit_open", 503, "EXECUTOR_UNAVAILABLE", "circuit_open"),
        ("error", 502, "EXECUTOR_ERROR", "error"),
        ("crash", 502, "EXECUTOR_ERROR", "error"),
        ("invalid", 502, "EXECUTOR_INVALID_RESULT", "invalid_result"),
    ],
)
async def test_executor_failures_map_to_documented_statuses(
    scripted_service: Any, expect_error: Any, mode: str, status: int, reason: str, outcome: str
) -> None:
    service = scripted_service
    key = await service.issue_key("admin")
    error = await expect_error(await service.process(key, chat(mode)), status, reason)
    assert "Traceback" not in error["message"]
    assert service.metric("techno_executor_calls_total", executor="llm_http", outcome=outcome) == 1
    assert service.metric("techno_action_results_total", status="FAILED") == 1
    assert service.metric("techno_pipeline_requests_total", outcome="failed") == 1
    executed = [e for e in service.audit_events() if e["event"] == "ACTION_EXECUTED"]
    assert [e["outcome"] for e in executed] == [outcome]


async def test_request_events_tell_the_whole_story_in_order(scripted_service: Any) -> None:
    service = scripted_service
    key = await service.issue_key("admin")
    response = await service.process(key, chat("ok"))
    trace_id = response.headers["X-Request-Id"]
    events = [e for e in service.audit_events() if e["trace_id"] == trace_id]
    assert [(e["event"], e.get("gate")) for e in events] == [
        ("REQUEST_START", None),
        ("DECISION", "authn"),
        ("DECISION", "rate_limit"),
        ("DECISION", "input"),
        ("DECISION", "authz"),
        ("EXECUTOR_SELECTED", None),
        ("ACTION_EXECUTED", None),
        ("REQUEST_END", None),
    ]
    assert events[-1]["status"] == 200
    assert events[5]["key_id"] == key.split(".")[0]


async def test_first_deny_stops_the_request(service: Any) -> None:
    response = await service.process(None, {"action": "echo"})
    trace_id = response.headers["X-Request-Id"]
    events = [e for e in service.audit_events() if e["trace_id"] == trace_id]
    assert [e["event"] for e in events] == ["REQUEST_START", "DECISION", "REQUEST_END"]
    assert events[1]["reason"] == "AUTHENTICATION_MISSING"
    assert events[2]["reason_codes"] == ["AUTHENTICATION_MISSING"]
    assert service.metric("techno_action_results_total", status="BLOCKED") == 1
