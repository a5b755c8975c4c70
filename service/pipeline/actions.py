"""Bind each matrix action to its executor and compiled schemas, checked at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jsonschema.exceptions import SchemaError

from service.executors.base import ActionSpec, Executor
from service.executors.registry import ExecutorRegistry
from service.pipeline.matrix import ActionMatrix, MatrixError
from service.pipeline.schema_errors import SchemaCheck, compile_schema


@dataclass(frozen=True)
class BoundAction:
    """An action ready to run: its spec, its executor and its compiled schemas."""

    spec: ActionSpec
    executor: Executor
    payload_validator: SchemaCheck
    result_validator: SchemaCheck


def bind_actions(
    matrix: ActionMatrix, registry: ExecutorRegistry, measured_executors: frozenset[str]
) -> Mapping[str, BoundAction]:
    """Return every matrix action bound to its executor; raise MatrixError naming the entry."""
    bound: dict[str, BoundAction] = {}
    for action, executor_id in matrix.executors.items():
        entry = f"actions.{action}"
        try:
            executor = registry.executor(executor_id)
        except LookupError as exc:
            raise MatrixError(matrix.path, f"{entry}.executor", str(exc)) from None
        if executor_id not in measured_executors:
            raise MatrixError(
                matrix.path,
                f"{entry}.executor",
                f"executor {executor_id!r} has no series in the metric catalog "
                f"(known: {', '.join(sorted(measured_executors))})",
            )
        spec = next((s for s in executor.actions() if s.name == action), None)
        if spec is None:
            served = ", ".join(s.name for s in executor.actions())
            raise MatrixError(
                matrix.path,
                entry,
                f"executor {executor_id!r} does not serve {action!r} (it serves: {served})",
            )
        try:
            payload_validator = compile_schema(spec.payload_schema)
            result_validator = compile_schema(spec.result_schema)
        except SchemaError as exc:
            raise MatrixError(
                matrix.path, entry, f"executor's schema is invalid: {exc.message}"
            ) from None
        bound[action] = BoundAction(spec, executor, payload_validator, result_validator)
    return bound
