"""Executor settings: one frozen object, validated on construction, secrets kept out of repr."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHAT_COMPLETIONS_PATH = "/v1/chat/completions"
MAX_LLM_RETRIES = 10


@dataclass(frozen=True)
class ExecutorConfig:
    """Settings for the executors; only the chat (llm_http) executor needs any.

    `llm_url` is the base URL of an OpenAI-compatible server (scheme, host,
    optional port and path prefix, e.g. `http://127.0.0.1:8000`); the executor
    POSTs to `llm_url + /v1/chat/completions`. With no URL the chat action
    answers "not configured" instead of calling anything.
    """

    llm_url: str | None = field(default=None, repr=False)  # may carry a credential
    # repr=False: the key must never reach a log line or a traceback.
    llm_api_key: str | None = field(default=None, repr=False)
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 10.0
    llm_max_retries: int = 2
    llm_backoff_base_seconds: float = 0.2
    llm_backoff_max_seconds: float = 2.0
    breaker_failure_threshold: int = 5
    breaker_reset_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.llm_url is not None:
            _check_url(self.llm_url)
        if self.llm_api_key is not None and (
            not self.llm_api_key or not self.llm_api_key.isprintable() or " " in self.llm_api_key
        ):
            # Never echo the value itself: it is a secret.
            raise ValueError(
                "ExecutorConfig.llm_api_key must be non-empty with no spaces or control characters"
            )
        if not self.llm_model.strip():
            raise ValueError("ExecutorConfig.llm_model must not be empty")
        _check_positive("llm_timeout_seconds", self.llm_timeout_seconds)
        _check_positive("llm_backoff_base_seconds", self.llm_backoff_base_seconds)
        _check_positive("llm_backoff_max_seconds", self.llm_backoff_max_seconds)
        _check_positive("breaker_reset_seconds", self.breaker_reset_seconds)
        if not 0 <= self.llm_max_retries <= MAX_LLM_RETRIES:
            raise ValueError(
                f"ExecutorConfig.llm_max_retries must be 0..{MAX_LLM_RETRIES}, "
                f"got {self.llm_max_retries}"
            )
        if self.breaker_failure_threshold < 1:
            raise ValueError(
                "ExecutorConfig.breaker_failure_threshold must be >= 1, "
                f"got {self.breaker_failure_threshold}"
            )

    @property
    def chat_completions_url(self) -> str | None:
        """Return the full chat-completions URL, or None when no server is configured."""
        if self.llm_url is None:
            return None
        return self.llm_url.rstrip("/") + CHAT_COMPLETIONS_PATH


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.username or parts.password or parts.query or parts.fragment:
        # Checked first and never echoed: the URL may carry a password. Credentials
        # belong in llm_api_key, and a query would end up before the path we append.
        raise ValueError("ExecutorConfig.llm_url must not carry credentials, a query or a fragment")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"ExecutorConfig.llm_url must be an http(s) URL with a host, got {url!r}")


def _check_positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"ExecutorConfig.{name} must be > 0, got {value}")
