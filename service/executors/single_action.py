"""A base for stateless executors that serve exactly one action."""

from __future__ import annotations

import abc
from typing import Any, ClassVar

from service.executors.base import ActionSpec, ExecutionRequest


class SingleActionExecutor(abc.ABC):
    """Serve `spec` with `execute`; no resources to hold, so safe under any concurrency."""

    spec: ClassVar[ActionSpec]

    @property
    def executor_id(self) -> str:
        return self.spec.executor_id

    def actions(self) -> tuple[ActionSpec, ...]:
        return (self.spec,)

    @abc.abstractmethod
    async def execute(self, request: ExecutionRequest) -> dict[str, Any]:
        """Return the action's result for a payload that passed the payload schema."""

    async def close(self) -> None:  # noqa: B027 - a deliberate no-op default, not abstract
        """Release nothing: a stateless executor holds no resources."""
