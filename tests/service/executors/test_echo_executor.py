"""The echo action: the message back, with its length, inside its own schemas."""

from __future__ import annotations

import jsonschema
import pytest

from service.executors.base import ExecutionRequest
from service.executors.echo import ECHO_ACTION_SPEC, MAX_MESSAGE_CHARS, EchoExecutor


def echo_request(payload: dict[str, object]) -> ExecutionRequest:
    return ExecutionRequest(trace_id="tr_1", action="echo", context_id="default", payload=payload)


@pytest.mark.parametrize("message", ["hello", "", "olá 🌍", "x" * MAX_MESSAGE_CHARS])
async def test_echo_returns_the_message_and_its_length_in_characters(message: str) -> None:
    result = await EchoExecutor().execute(echo_request({"message": message}))

    assert result == {"message": message, "length": len(message)}
    jsonschema.Draft202012Validator(ECHO_ACTION_SPEC.result_schema).validate(result)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"message": 42},
        {"message": "x" * (MAX_MESSAGE_CHARS + 1)},
        {"message": "hi", "extra": True},
    ],
)
def test_payload_schema_rejects_bad_input(payload: dict[str, object]) -> None:
    validator = jsonschema.Draft202012Validator(ECHO_ACTION_SPEC.payload_schema)

    assert not validator.is_valid(payload)


def test_echo_serves_only_the_echo_action() -> None:
    executor = EchoExecutor()

    assert executor.executor_id == "echo"
    assert [spec.name for spec in executor.actions()] == ["echo"]
