"""The response bodies are the bytes the standard library's compact encoder writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.http.responses import _encode, success_response

COMPACT = json.JSONEncoder(separators=(",", ":"))
VALUES: list[Any] = [
    {"message": "hello"},
    {"text": 'caf\u00e9 \u2028 \ud800 "quoted" \\ \x00', "n": 1, "x": 0.1, "big": 10**30},
    {"nested": [1, 2.5, None, True, {"a": []}], "floats": [1e300, -0.0, 1e-7]},
    {"nan": float("nan"), "inf": float("inf")},
    [],
    "a plain string",
    None,
]


@pytest.mark.parametrize("value", VALUES)
def test_the_encoder_writes_what_json_writes(value: Any) -> None:
    assert _encode(value) == COMPACT.encode(value)


def test_the_encoder_recovers_after_a_circular_value() -> None:
    circular: list[Any] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular"):
        _encode({"loop": circular})
    shared = [1]
    assert _encode({"a": shared, "b": shared}) == '{"a":[1],"b":[1]}'


def test_the_success_body_is_the_documented_object() -> None:
    result = {"message": "h\u00e9llo"}
    response = success_response("tr_" + "a" * 32, result, "echo", 0.123)
    assert (
        response.body
        == COMPACT.encode(
            {
                "trace_id": "tr_" + "a" * 32,
                "status": "SUCCESS",
                "result": result,
                "executor_id": "echo",
                "execution_time_ms": 0.123,
            }
        ).encode()
    )
