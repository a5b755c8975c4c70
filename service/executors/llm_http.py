"""The llm_http executor: the chat action over an OpenAI-compatible HTTP endpoint."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from service.executors.base import ActionSpec, ExecutionRequest, ExecutorError, FailureOutcome
from service.executors.chat_protocol import (
    CHAT_ACTION_SPEC,
    LLM_HTTP_EXECUTOR_ID,
    MalformedCompletion,
    build_request_body,
    parse_completion,
)
from service.executors.circuit_breaker import CircuitBreaker
from service.executors.config import ExecutorConfig
from service.redact import redact_url

logger = logging.getLogger(__name__)

# A chat completion is a few KiB; anything near this cap is not one.
MAX_RESPONSE_BYTES = 1024 * 1024
NOT_CONFIGURED_MESSAGE = "chat executor not configured (set TECHNO_LLM_URL)"


class _AttemptFailure(Exception):
    """One attempt failed: how to report it, whether to retry, and whether it blames the server."""

    def __init__(
        self,
        outcome: FailureOutcome,
        reason: str,
        *,
        retryable: bool,
        upstream_fault: bool = True,
        retry_after_seconds: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.outcome: FailureOutcome = outcome
        self.reason = reason
        self.retryable = retryable
        # A 4xx means the server is up and said no: it must not open the breaker.
        self.upstream_fault = upstream_fault
        self.retry_after_seconds = retry_after_seconds


class LlmHttpExecutor:
    """Serve `chat` by POSTing to `{llm_url}/v1/chat/completions`.

    Each attempt has its own timeout; connection errors, timeouts, 5xx and 429
    are retried with jittered exponential backoff, other 4xx are not. The
    breaker counts whole calls (after retries): timeouts, connection errors,
    5xx, 429 and malformed answers count as failures, a 4xx does not.
    """

    def __init__(
        self,
        config: ExecutorConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._url = config.chat_completions_url
        self._headers = {"Accept": "application/json"}
        if config.llm_api_key is not None:
            self._headers["Authorization"] = f"Bearer {config.llm_api_key}"
        self._breaker = CircuitBreaker(
            failure_threshold=config.breaker_failure_threshold,
            reset_timeout_seconds=config.breaker_reset_seconds,
            clock=clock,
        )
        # Jitter only spreads retries out; it needs no cryptographic randomness.
        self._rng = rng or random.Random()  # noqa: S311
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def __repr__(self) -> str:
        shown = None if self._url is None else redact_url(self._url)
        return f"LlmHttpExecutor(url={shown!r}, model={self._config.llm_model!r})"

    @property
    def executor_id(self) -> str:
        return LLM_HTTP_EXECUTOR_ID

    @property
    def breaker(self) -> CircuitBreaker:
        """Return the circuit breaker guarding the endpoint (for health and tests)."""
        return self._breaker

    def actions(self) -> tuple[ActionSpec, ...]:
        return (CHAT_ACTION_SPEC,)

    async def execute(self, request: ExecutionRequest) -> dict[str, Any]:
        """Return the endpoint's chat completion, or raise ExecutorError with the outcome."""
        if self._url is None:
            raise ExecutorError("error", NOT_CONFIGURED_MESSAGE)
        if self._closed:
            raise ExecutorError("error", "chat executor is closed")
        if not self._breaker.try_acquire():
            raise ExecutorError(
                "circuit_open",
                "chat endpoint circuit is open after repeated failures; "
                f"next trial in {self._breaker.seconds_until_trial():.1f}s",
            )
        body = build_request_body(self._config.llm_model, request.payload)
        try:
            result = await self._call_with_retries(self._url, body, request.trace_id)
        except _AttemptFailure as failure:
            if failure.upstream_fault:
                self._breaker.record_failure()
            else:
                self._breaker.record_success()
            raise ExecutorError(failure.outcome, failure.reason) from None
        except BaseException:
            # Cancelled by the caller's own timeout (the endpoint was too slow) or
            # an unexpected bug: either way the call failed, and a half-open
            # trial must not stay in flight forever.
            self._breaker.record_failure()
            raise
        self._breaker.record_success()
        return result

    async def close(self) -> None:
        """Close the HTTP session; later calls fail with a clear error."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call_with_retries(
        self, url: str, body: dict[str, Any], trace_id: str
    ) -> dict[str, Any]:
        attempts = 1 + self._config.llm_max_retries
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(url, body)
            except _AttemptFailure as failure:
                if not failure.retryable or attempt == attempts:
                    raise _AttemptFailure(
                        failure.outcome,
                        f"{failure.reason} (attempt {attempt} of {attempts})",
                        retryable=False,
                        upstream_fault=failure.upstream_fault,
                    ) from None
                delay = self._backoff_seconds(attempt, failure.retry_after_seconds)
                # Trace id and failure reason only: never the key or the messages.
                logger.warning(
                    "chat attempt %d of %d failed for trace %s: %s; retrying in %.3fs",
                    attempt,
                    attempts,
                    trace_id,
                    failure.reason,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        timeout = self._config.llm_timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                async with self._client().post(
                    url, json=body, headers=self._headers, allow_redirects=False
                ) as response:
                    status = response.status
                    if 200 <= status < 300:
                        raw = await _read_capped(response, MAX_RESPONSE_BYTES)
                    else:
                        raise _status_failure(status, response.headers.get("Retry-After"))
        except TimeoutError:
            raise _AttemptFailure(
                "timeout", f"chat endpoint did not answer within {timeout}s", retryable=True
            ) from None
        except aiohttp.ClientError as exc:
            raise _AttemptFailure(
                "error", f"chat endpoint unreachable ({type(exc).__name__})", retryable=True
            ) from None
        if raw is None:
            raise _AttemptFailure(
                "invalid_result",
                f"chat endpoint answer exceeds {MAX_RESPONSE_BYTES} bytes",
                retryable=False,
            )
        try:
            return parse_completion(raw, self._config.llm_model)
        except MalformedCompletion as exc:
            raise _AttemptFailure(
                "invalid_result", f"chat endpoint answer is malformed: {exc}", retryable=False
            ) from None

    def _client(self) -> aiohttp.ClientSession:
        # Created lazily so the session binds to the running event loop.
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    def _backoff_seconds(self, attempt: int, retry_after: float | None) -> float:
        ceiling = min(
            self._config.llm_backoff_max_seconds,
            self._config.llm_backoff_base_seconds * 2.0 ** (attempt - 1),
        )
        if retry_after is not None:
            # Honour the server's hint, but never wait longer than our own cap.
            ceiling = min(self._config.llm_backoff_max_seconds, max(ceiling, retry_after))
        # "Equal jitter": at least half the ceiling, so retries never stampede at zero.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)


def _status_failure(status: int, retry_after: str | None) -> _AttemptFailure:
    if status == 429 or status >= 500:
        return _AttemptFailure(
            "error",
            f"chat endpoint answered HTTP {status}",
            retryable=True,
            retry_after_seconds=_parse_retry_after(retry_after),
        )
    return _AttemptFailure(
        "error",
        f"chat endpoint refused the request with HTTP {status}",
        retryable=False,
        upstream_fault=False,
    )


def _parse_retry_after(value: str | None) -> float | None:
    # Only the delta-seconds form; an HTTP date falls back to our own backoff.
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """Return the response body, or None if it is longer than `limit` bytes."""
    if response.content_length is not None and response.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
