"""G3-G7: size, content type, JSON, safe strings, envelope, action, context, payload schema."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.gates.json_safety import MAX_DEPTH, MAX_KEY_CHARS, MAX_STRING_CHARS, find_unsafe

JSON = "application/json"


async def post_raw(service: Any, key: str, body: bytes, content_type: str) -> Any:
    headers = {"X-API-KEY": key, "Content-Type": content_type}
    return await service.client.post("/process", data=body, headers=headers)


def envelope(payload: Any, action: str = "echo", context: str = "default") -> dict[str, Any]:
    return {"action": action, "context_id": context, "payload": payload}


async def test_body_over_the_cap_is_413(make_service: Any, expect_error: Any) -> None:
    service = await make_service(max_body_bytes=1024)
    key = await service.issue_key()
    body = json.dumps(envelope({"message": "x" * 2000})).encode()
    await expect_error(
        await post_raw(service, key, body, "application/json"), 413, "PAYLOAD_TOO_LARGE"
    )


async def test_chunked_body_over_the_cap_is_413(make_service: Any, expect_error: Any) -> None:
    service = await make_service(max_body_bytes=1024)
    key = await service.issue_key()

    async def chunks() -> Any:
        for _ in range(8):
            yield b" " * 512

    response = await service.client.post(
        "/process",
        data=chunks(),
        headers={"X-API-KEY": key, "Content-Type": "application/json"},
    )
    await expect_error(response, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_wrong_content_type_is_415(
    service: Any, expect_error: Any, content_type: str
) -> None:
    key = await service.issue_key()
    body = json.dumps(envelope({"message": "hi"})).encode()
    response = await post_raw(service, key, body, content_type)
    await expect_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "body",
    [b"{", b"", b"[1, 2]", b'"text"', b"\xff\xfe{}", b'{"a": NaN}', b"null"],
    ids=["truncated", "empty", "array", "string", "bad-utf8", "nan", "null"],
)
async def test_not_a_json_object_is_400_invalid_json(
    service: Any, expect_error: Any, body: bytes
) -> None:
    key = await service.issue_key()
    response = await post_raw(service, key, body, "application/json")
    await expect_error(response, 400, "INVALID_JSON")


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"context_id": "default", "payload": {}}, "action"),
        ({"action": "echo", "payload": {}}, "context_id"),
        ({"action": "echo", "context_id": "default"}, "payload"),
        ({**envelope({}), "extra": 1}, "extra"),
        (envelope("not an object"), "payload"),
        ({"action": 7, "context_id": "default", "payload": {}}, "action"),
        (envelope({}), "payload.message"),
        (envelope({"message": 5}), "payload.message"),
        (envelope({"message": "x", "more": 1}), "payload.more"),
        (envelope({"message": "x" * 5000}), "payload.message"),
        (envelope({"text": "t", "top_n": "5"}, action="analyze_text"), "payload.top_n"),
    ],
)
async def test_schema_violations_are_422_naming_the_field(
    service: Any, expect_error: Any, document: dict[str, Any], field: str
) -> None:
    key = await service.issue_key()
    error = await expect_error(await service.process(key, document), 422, "SCHEMA_VIOLATION")
    assert error["message"].startswith(f"{field}:"), error["message"]


async def test_unknown_action_is_422(service: Any, expect_error: Any) -> None:
    key = await service.issue_key()
    response = await service.process(key, envelope({}, action="format_disk"))
    error = await expect_error(response, 422, "UNKNOWN_ACTION")
    assert "format_disk" not in error["message"], "the client's value is not echoed"
    assert "echo" in error["message"]


async def test_unknown_context_is_422(service: Any, expect_error: Any) -> None:
    key = await service.issue_key()
    response = await service.process(key, envelope({"message": "x"}, context="prod-db"))
    error = await expect_error(response, 422, "CONTEXT_NOT_ALLOWED")
    assert error["message"].startswith("context_id:")


@pytest.mark.parametrize(
    "text",
    ["bell\x07", "nul\x00byte", "esc\x1b[31m", "c1\x85", "bidi\u202eevil", "lone\ud800"],
    ids=["bel", "nul", "ansi", "c1", "bidi", "surrogate"],
)
async def test_control_characters_are_422_unsafe_string(
    service: Any, expect_error: Any, text: str
) -> None:
    key = await service.issue_key()
    response = await service.process(key, envelope({"message": text}))
    error = await expect_error(response, 422, "UNSAFE_STRING")
    assert error["message"].startswith("payload.message:")


async def test_tabs_and_newlines_are_fine(service: Any) -> None:
    key = await service.issue_key()
    response = await service.process(key, envelope({"message": "a\tb\r\nc"}))
    assert response.status == 200


async def test_unsafe_property_names_are_422(service: Any, expect_error: Any) -> None:
    key = await service.issue_key()
    response = await service.process(key, envelope({"mess\x00age": "x"}))
    await expect_error(response, 422, "UNSAFE_STRING")


async def test_deep_nesting_is_422(service: Any, expect_error: Any) -> None:
    key = await service.issue_key()
    nested: Any = "leaf"
    for _ in range(MAX_DEPTH + 1):
        nested = [nested]
    response = await service.process(key, envelope({"message": nested}))
    await expect_error(response, 422, "UNSAFE_STRING")


async def test_nesting_beyond_the_json_parser_is_422_not_500(
    make_service: Any, expect_error: Any
) -> None:
    service = await make_service(max_body_bytes=400_000)
    key = await service.issue_key()
    response = await post_raw(service, key, b"[" * 200_000, "application/json")
    await expect_error(response, 422, "UNSAFE_STRING")


async def test_overlong_string_is_422(make_service: Any, expect_error: Any) -> None:
    service = await make_service(max_body_bytes=100_000)
    key = await service.issue_key()
    response = await service.process(key, envelope({"message": "x" * (MAX_STRING_CHARS + 1)}))
    await expect_error(response, 422, "UNSAFE_STRING")


async def test_input_decisions_are_counted_by_reason(service: Any) -> None:
    key = await service.issue_key()
    await service.process(key, envelope({"message": "ok"}))
    await service.process(key, envelope({}, action="nope"))
    count = service.metric
    assert count("techno_gate_decisions_total", gate="input", decision="ALLOW", reason="OK") == 1
    unknown = count(
        "techno_gate_decisions_total", gate="input", decision="DENY", reason="UNKNOWN_ACTION"
    )
    assert unknown == 1


@pytest.mark.parametrize(
    "text",
    ["del\x7f", "c1\x85", "bidi\u202eevil", "isolate\u2066x", "lone\ud800"],
    ids=["del", "c1", "bidi", "isolate", "surrogate"],
)
async def test_unsafe_characters_sent_raw_are_422_too(
    service: Any, expect_error: Any, text: str
) -> None:
    # Unescaped in the body (no \u escapes), so the check reads them from the text itself.
    key = await service.issue_key()
    raw = json.dumps(envelope({"message": text}), ensure_ascii=False)
    response = await post_raw(service, key, raw.encode("utf-8", "surrogatepass"), JSON)
    error = await expect_error(response, 422, "UNSAFE_STRING")
    assert error["message"].startswith("payload.message:")


async def test_overlong_property_name_sent_raw_is_422(service: Any, expect_error: Any) -> None:
    key = await service.issue_key()
    raw = json.dumps(envelope({"k" * (MAX_KEY_CHARS + 1): "é"}), ensure_ascii=False)
    response = await post_raw(service, key, raw.encode("utf-8"), JSON)
    error = await expect_error(response, 422, "UNSAFE_STRING")
    assert "property name" in error["message"]


async def test_raw_non_ascii_text_is_accepted(service: Any) -> None:
    key = await service.issue_key()
    raw = json.dumps(envelope({"message": "grüße ☃ 東京"}), ensure_ascii=False)
    response = await post_raw(service, key, raw.encode("utf-8"), JSON)
    assert response.status == 200
    assert (await response.json())["result"]["message"] == "grüße ☃ 東京"


@pytest.mark.parametrize("escaped", [False, True], ids=["fast-scan", "full-scan"])
@pytest.mark.parametrize(("opener", "closer"), [("[", "]"), ('{"k":', "}")], ids=["list", "object"])
def test_the_depth_limit_is_exact(escaped: bool, opener: str, closer: str) -> None:
    # A \u escape forces the walk that checks every string, so both paths are held.
    leaf = "\\u0041" if escaped else "A"
    for levels, allowed in ((MAX_DEPTH, True), (MAX_DEPTH + 1, False)):
        source = opener * levels + f'"{leaf}"' + closer * levels
        document = json.loads(source)
        assert (find_unsafe(document, source) is None) is allowed, levels
        assert (find_unsafe(document) is None) is allowed, levels


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b'{"action":"echo","action":"chat","context_id":"default","payload":{}}', '"action"'),
        (
            b'{"action":"echo","context_id":"default","payload":{"message":"a","message":"b"}}',
            '"message"',
        ),
    ],
)
async def test_duplicate_keys_are_400_naming_the_key(
    service: Any, expect_error: Any, body: bytes, key: str
) -> None:
    api_key = await service.issue_key()
    answer = await expect_error(await post_raw(service, api_key, body, JSON), 400, "INVALID_JSON")
    assert f"duplicate key {key}" in answer["message"]
