"""The executor extension point: what the pipeline calls once a request is allowed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

# Outcomes match the `outcome` label of techno_executor_calls_total in the catalog.
FailureOutcome = Literal["error", "timeout", "circuit_open", "invalid_result"]


@dataclass(frozen=True)
class ActionSpec:
    """An action an executor serves, with JSON Schemas for its payload and its result."""

    name: str
    executor_id: str
    description: str
    payload_schema: Mapping[str, Any]
    result_schema: Mapping[str, Any]


@dataclass(frozen=True)
class ExecutionRequest:
    """An allowed request, as the executor sees it (no key, no caller identity)."""

    trace_id: str
    action: str
    context_id: str
    payload: Mapping[str, Any]


class ExecutorError(Exception):
    """An executor could not produce a result; `outcome` feeds metrics and the audit log."""

    def __init__(self, outcome: FailureOutcome, message: str) -> None:
        super().__init__(message)
        self.outcome: FailureOutcome = outcome
        self.message = message


class Executor(Protocol):
    """Runs one or more actions. Implementations must be safe to call concurrently."""

    @property
    def executor_id(self) -> str: ...

    def actions(self) -> tuple[ActionSpec, ...]: ...

    async def execute(self, request: ExecutionRequest) -> dict[str, Any]:
        """Return the action's result (validated by the pipeline) or raise ExecutorError."""
        ...

    async def close(self) -> None:
        """Release any resources (HTTP sessions); called from the app's cleanup context."""
        ...
