"""The executor registry: which executor serves which action, built once from settings."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable

from service.executors.base import ActionSpec, Executor
from service.executors.config import ExecutorConfig
from service.executors.echo import EchoExecutor
from service.executors.llm_http import LlmHttpExecutor
from service.executors.text_analysis import TextAnalysisExecutor

__all__ = ["ExecutorConfig", "ExecutorRegistry", "build_executor_registry"]


class ExecutorRegistry:
    """Look up actions and executors by name; close every executor on shutdown."""

    def __init__(self, executors: Iterable[Executor]) -> None:
        self._executors: dict[str, Executor] = {}
        self._actions: dict[str, ActionSpec] = {}
        for executor in executors:
            if executor.executor_id in self._executors:
                raise ValueError(f"executor id {executor.executor_id!r} is registered twice")
            self._executors[executor.executor_id] = executor
            for spec in executor.actions():
                if spec.executor_id != executor.executor_id:
                    raise ValueError(
                        f"action {spec.name!r} names executor {spec.executor_id!r} "
                        f"but is served by {executor.executor_id!r}"
                    )
                if spec.name in self._actions:
                    raise ValueError(f"action {spec.name!r} is served by two executors")
                self._actions[spec.name] = spec

    def action(self, name: str) -> ActionSpec | None:
        """Return the action called `name`, or None if no executor serves it."""
        return self._actions.get(name)

    def executor(self, executor_id: str) -> Executor:
        """Return the executor with this id, or raise LookupError naming the known ids."""
        try:
            return self._executors[executor_id]
        except KeyError:
            known = ", ".join(sorted(self._executors))
            raise LookupError(f"unknown executor {executor_id!r} (known: {known})") from None

    def actions(self) -> tuple[ActionSpec, ...]:
        """Return every action, in registration order."""
        return tuple(self._actions.values())

    def executor_ids(self) -> tuple[str, ...]:
        """Return every executor id, in registration order."""
        return tuple(self._executors)

    async def close(self) -> None:
        """Close every executor, even if one fails; then re-raise the first failure."""
        results = await asyncio.gather(
            *(executor.close() for executor in self._executors.values()),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result


def build_executor_registry(
    config: ExecutorConfig,
    *,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
) -> ExecutorRegistry:
    """Return the registry of the shipped executors: echo, text_analysis and llm_http."""
    return ExecutorRegistry(
        [
            EchoExecutor(),
            TextAnalysisExecutor(),
            # Always registered: without a URL it answers "not configured" instead.
            LlmHttpExecutor(config, clock=clock, rng=rng),
        ]
    )
