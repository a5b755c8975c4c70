"""Run an allowed request on its executor: timeout, failure mapping, result validation."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from service.executors.base import ExecutionRequest, ExecutorError, FailureOutcome
from service.pipeline.actions import BoundAction
from service.pipeline.deadline import await_within

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FailureMapping:
    """How an executor failure reaches the client: HTTP status and reason code."""

    status: int
    reason: str


# timeout -> 504 (the executor did not answer in time); circuit_open -> 503 (it is
# known to be down, try later); error and invalid_result -> 502 (it answered badly).
FAILURES: dict[FailureOutcome, FailureMapping] = {
    "timeout": FailureMapping(504, "EXECUTOR_TIMEOUT"),
    "circuit_open": FailureMapping(503, "EXECUTOR_UNAVAILABLE"),
    "error": FailureMapping(502, "EXECUTOR_ERROR"),
    "invalid_result": FailureMapping(502, "EXECUTOR_INVALID_RESULT"),
}


@dataclass(frozen=True, slots=True)
class Execution:
    """What running the executor produced: a valid result, or a failure outcome."""

    outcome: str
    seconds: float
    result: dict[str, Any] | None = None
    failure: FailureMapping | None = None
    message: str = ""


async def execute(
    bound: BoundAction, request: ExecutionRequest, *, timeout_seconds: float
) -> Execution:
    """Run the executor with a timeout and validate its result against the action's schema."""
    started = time.perf_counter()
    try:
        result = await await_within(bound.executor.execute(request), timeout_seconds)
    except TimeoutError:
        return _failed("timeout", started, f"no result within {timeout_seconds:g} s")
    except ExecutorError as exc:
        return _failed(exc.outcome, started, exc.message)
    except Exception as exc:  # a bug in an executor must not become a 500
        log.error(
            "executor %s raised %s (trace %s)",
            bound.executor.executor_id,
            type(exc).__name__,
            request.trace_id,
        )
        return _failed("error", started, "the executor failed unexpectedly")
    violation = bound.result_validator.violation(result, "result")
    if violation is not None:
        log.error(
            "executor %s returned an invalid result: %s (trace %s)",
            bound.executor.executor_id,
            violation,
            request.trace_id,
        )
        return _failed("invalid_result", started, "the executor returned an invalid result")
    return Execution("success", time.perf_counter() - started, result)


def _failed(outcome: FailureOutcome, started: float, message: str) -> Execution:
    return Execution(
        outcome, time.perf_counter() - started, failure=FAILURES[outcome], message=message
    )
