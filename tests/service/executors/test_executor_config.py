"""Executor settings: validated on construction, the API key never shown."""

from __future__ import annotations

from typing import Any

import pytest

from service.executors.config import ExecutorConfig

SECRET = "sk-live-abcdef0123456789"


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1/chat/completions"),
        ("https://llm.internal/", "https://llm.internal/v1/chat/completions"),
        ("http://gateway:8080/openai", "http://gateway:8080/openai/v1/chat/completions"),
    ],
)
def test_the_base_url_gets_the_chat_completions_path(url: str, endpoint: str) -> None:
    assert ExecutorConfig(llm_url=url).chat_completions_url == endpoint


def test_no_url_means_no_endpoint() -> None:
    assert ExecutorConfig().chat_completions_url is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"llm_url": "ftp://host"}, "llm_url"),
        ({"llm_url": "localhost:8000"}, "llm_url"),
        ({"llm_url": ""}, "llm_url"),
        ({"llm_url": "http://host/v1?x=1"}, "llm_url"),
        ({"llm_model": " "}, "llm_model"),
        ({"llm_timeout_seconds": 0}, "llm_timeout_seconds"),
        ({"llm_max_retries": -1}, "llm_max_retries"),
        ({"llm_max_retries": 11}, "llm_max_retries"),
        ({"llm_backoff_base_seconds": -0.1}, "llm_backoff_base_seconds"),
        ({"breaker_failure_threshold": 0}, "breaker_failure_threshold"),
        ({"breaker_reset_seconds": 0}, "breaker_reset_seconds"),
        ({"llm_api_key": ""}, "llm_api_key"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"ExecutorConfig.{field} "):
        ExecutorConfig(**overrides)


def test_the_api_key_stays_out_of_repr_and_errors() -> None:
    config = ExecutorConfig(llm_url="http://127.0.0.1:1", llm_api_key=SECRET)
    assert SECRET not in repr(config)

    with pytest.raises(ValueError, match="llm_api_key") as caught:
        ExecutorConfig(llm_api_key=f"{SECRET} extra")
    assert SECRET not in str(caught.value)


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="must not carry credentials") as caught:
        ExecutorConfig(llm_url=f"http://user:{SECRET}@host")

    assert SECRET not in str(caught.value)
