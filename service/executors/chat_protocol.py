"""The chat action's schemas and the OpenAI chat-completions wire format."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from service.executors.base import ActionSpec
from service.executors.schema import strict_object

LLM_HTTP_EXECUTOR_ID = "llm_http"
CHAT_ACTION = "chat"
MAX_MESSAGES = 64
MAX_MESSAGE_CHARS = 20_000
MAX_TOKENS = 8192
MAX_CONTENT_CHARS = 100_000
MAX_MODEL_CHARS = 256
MAX_FINISH_REASON_CHARS = 64
USAGE_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens")

_TOKEN_COUNT = {"type": "integer", "minimum": 0}

CHAT_ACTION_SPEC = ActionSpec(
    name=CHAT_ACTION,
    executor_id=LLM_HTTP_EXECUTOR_ID,
    description="Send a conversation to the configured OpenAI-compatible chat endpoint.",
    payload_schema=strict_object(
        {
            "messages": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_MESSAGES,
                "items": strict_object(
                    {
                        "role": {"enum": ["system", "user", "assistant"]},
                        "content": {"type": "string", "maxLength": MAX_MESSAGE_CHARS},
                    },
                    required=("role", "content"),
                ),
            },
            "max_tokens": {"type": "integer", "minimum": 1, "maximum": MAX_TOKENS},
        },
        required=("messages",),
        title="chat payload",
    ),
    result_schema=strict_object(
        {
            "content": {"type": "string", "maxLength": MAX_CONTENT_CHARS},
            "model": {"type": "string", "minLength": 1, "maxLength": MAX_MODEL_CHARS},
            "finish_reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_FINISH_REASON_CHARS,
            },
            "usage": strict_object({name: _TOKEN_COUNT for name in USAGE_FIELDS}, required=()),
        },
        required=("content", "model", "finish_reason", "usage"),
        title="chat result",
    ),
)


class MalformedCompletion(ValueError):
    """The endpoint answered 2xx with a body that is not a usable chat completion."""


def build_request_body(model: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Return the chat-completions request body for a (schema-valid) chat payload."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": message["role"], "content": message["content"]}
            for message in payload["messages"]
        ],
    }
    if "max_tokens" in payload:
        # The schema admits 2.0 as an integer; upstreams want a JSON integer.
        body["max_tokens"] = int(payload["max_tokens"])
    return body


def parse_completion(raw: bytes, default_model: str) -> dict[str, Any]:
    """Return the chat result from a chat-completions response body, or raise MalformedCompletion.

    Only `choices[0].message.content` is required; a missing model falls back to
    the configured one, a missing finish reason reads "unknown", and usage keeps
    the three standard token counts.
    """
    try:
        document = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise MalformedCompletion("response body is not JSON") from exc
    if not isinstance(document, dict):
        raise MalformedCompletion("response body is not a JSON object")
    choices = document.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedCompletion("response has no choices")
    choice = choices[0]
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise MalformedCompletion("choices[0].message.content is missing or not a string")
    return {
        "content": _bounded_text(content, "choices[0].message.content", MAX_CONTENT_CHARS),
        "model": _bounded_text(document.get("model") or default_model, "model", MAX_MODEL_CHARS),
        "finish_reason": _bounded_text(
            choice.get("finish_reason") or "unknown",
            "choices[0].finish_reason",
            MAX_FINISH_REASON_CHARS,
        ),
        "usage": _usage(document.get("usage")),
    }


def _bounded_text(value: object, field: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise MalformedCompletion(f"{field} is not a string")
    if len(value) > max_chars:
        raise MalformedCompletion(f"{field} is longer than {max_chars} characters")
    return value


def _usage(raw: object) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {
        name: raw[name]
        for name in USAGE_FIELDS
        # bool is an int subclass; a "true" token count is not a count.
        if isinstance(raw.get(name), int) and not isinstance(raw[name], bool) and raw[name] >= 0
    }
