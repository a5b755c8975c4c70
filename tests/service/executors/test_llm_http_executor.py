"""The chat executor against a real local server that speaks OpenAI chat-completions."""

from __future__ import annotations

import logging
import socket

import jsonschema
import pytest

from service.executors.chat_protocol import CHAT_ACTION_SPEC
from service.executors.circuit_breaker import CircuitState
from service.executors.config import ExecutorConfig
from service.executors.llm_http import MAX_RESPONSE_BYTES, LlmHttpExecutor
from tests.service.executors.executor_fakes import (
    API_KEY,
    ChatUpstream,
    MakeExecutor,
    breaker_state,
    chat_request,
    completion,
    failure_of,
    raw_body,
    status,
)

SECRET_CONTENT = "my card number is 4111-1111"


async def test_success_returns_the_completion_and_sends_model_messages_and_key(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    result = await make_executor().execute(chat_request("Hi there", max_tokens=32))

    assert result == {
        "content": "Hello back",
        "model": "upstream-model",
        "finish_reason": "stop",
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
    }
    jsonschema.Draft202012Validator(CHAT_ACTION_SPEC.result_schema).validate(result)
    [(headers, body)] = upstream.requests
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert body == {
        "model": "test-model",
        "messages": [{"role": "user", "content": "Hi there"}],
        "max_tokens": 32,
    }


async def test_no_authorization_header_without_a_key(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    await make_executor(llm_api_key=None).execute(chat_request())

    [(headers, _)] = upstream.requests
    assert "Authorization" not in headers


@pytest.mark.parametrize("code", [500, 502, 503, 429])
async def test_transient_failure_is_retried_until_success(
    upstream: ChatUpstream, make_executor: MakeExecutor, code: int
) -> None:
    upstream.script = [status(code), status(code), completion("third time lucky")]

    result = await make_executor().execute(chat_request())

    assert result["content"] == "third time lucky"
    assert len(upstream.requests) == 3


async def test_persistent_5xx_fails_with_error_after_max_retries(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    upstream.script = [status(503)]

    error = await failure_of(make_executor(llm_max_retries=2), chat_request())

    assert error.outcome == "error"
    assert "HTTP 503" in error.message
    assert "attempt 3 of 3" in error.message
    assert len(upstream.requests) == 3


async def test_slow_server_times_out_per_attempt(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    upstream.script = [upstream.slow()]
    executor = make_executor(llm_timeout_seconds=0.3, llm_max_retries=1)

    error = await failure_of(executor, chat_request())

    assert error.outcome == "timeout"
    assert "0.3s" in error.message
    # The total time is a wall-clock figure: tests/reliability/test_wall_clock_bounds.py.
    assert len(upstream.requests) == 2


@pytest.mark.parametrize("code", [400, 401, 404, 422])
async def test_client_errors_are_not_retried_and_do_not_trip_the_breaker(
    upstream: ChatUpstream, make_executor: MakeExecutor, code: int
) -> None:
    upstream.script = [status(code)]
    executor = make_executor(breaker_failure_threshold=1)

    error = await failure_of(executor, chat_request())

    assert error.outcome == "error"
    assert f"HTTP {code}" in error.message
    assert len(upstream.requests) == 1
    assert breaker_state(executor) is CircuitState.CLOSED


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"choices": []}', "no choices"),
        ('{"choices": [{"message": {"role": "assistant", "content": null}}]}', "content"),
        (
            '{"model": 7, "choices": [{"message": {"content": "x"}, "finish_reason": "stop"}]}',
            "model is not a string",
        ),
    ],
)
async def test_malformed_answer_is_invalid_result_without_retry(
    upstream: ChatUpstream,
    make_executor: MakeExecutor,
    body: str,
    problem: str,
) -> None:
    upstream.script = [raw_body(body)]

    error = await failure_of(make_executor(), chat_request())

    assert error.outcome == "invalid_result"
    assert problem in error.message
    assert len(upstream.requests) == 1


async def test_oversized_answer_is_invalid_result(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    upstream.script = [completion("x" * MAX_RESPONSE_BYTES)]

    error = await failure_of(make_executor(), chat_request())

    assert error.outcome == "invalid_result"
    assert "exceeds" in error.message


async def test_sparse_answer_gets_configured_model_and_unknown_finish_reason(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    upstream.script = [raw_body('{"choices": [{"message": {"content": "ok"}}]}')]

    result = await make_executor().execute(chat_request())

    assert result == {
        "content": "ok",
        "model": "test-model",
        "finish_reason": "unknown",
        "usage": {},
    }
    jsonschema.Draft202012Validator(CHAT_ACTION_SPEC.result_schema).validate(result)


async def test_unreachable_server_is_an_error_after_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    executor = LlmHttpExecutor(
        ExecutorConfig(
            llm_url=f"http://127.0.0.1:{port}",
            llm_max_retries=1,
            llm_backoff_base_seconds=0.001,
        )
    )
    try:
        error = await failure_of(executor, chat_request())
    finally:
        await executor.close()

    assert error.outcome == "error"
    assert "unreachable" in error.message
    assert "attempt 2 of 2" in error.message


async def test_key_and_message_content_never_leak_into_errors_or_logs(
    upstream: ChatUpstream,
    make_executor: MakeExecutor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Call 1: 503 (retried, logged) then 401; call 2: two timeouts; call 3: malformed.
    upstream.script = [status(503), status(401), upstream.slow(), upstream.slow(), raw_body("{")]
    executor = make_executor(llm_timeout_seconds=0.3, llm_max_retries=1)
    errors = [await failure_of(executor, chat_request(SECRET_CONTENT)) for _ in range(3)]

    assert [error.outcome for error in errors] == ["error", "timeout", "invalid_result"]
    assert upstream.requests[0][0]["Authorization"] == f"Bearer {API_KEY}"
    visible = [caplog.text, repr(executor), repr(executor._config)]
    visible += [f"{error} {error!r} {error.__cause__!r}" for error in errors]
    for text in visible:
        assert API_KEY not in text
        assert SECRET_CONTENT not in text
    assert "retrying" in caplog.text  # the retry was logged, just without secrets


async def test_closed_executor_refuses_calls(
    make_executor: MakeExecutor,
) -> None:
    executor = make_executor()
    await executor.execute(chat_request())
    await executor.close()

    error = await failure_of(executor, chat_request())

    assert error.outcome == "error"
    assert "closed" in error.message


async def test_non_ascii_messages_arrive_intact(
    upstream: ChatUpstream, make_executor: MakeExecutor
) -> None:
    await make_executor().execute(chat_request("olá 🌍, 日本語"))

    [(_, body)] = upstream.requests
    assert body["messages"] == [{"role": "user", "content": "olá 🌍, 日本語"}]
