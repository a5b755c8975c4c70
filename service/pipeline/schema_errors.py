"""Turn a JSON Schema violation into `field: problem`, without echoing the value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from service.pipeline.fast_schema import compile_fast


class SchemaCheck:
    """A compiled schema: a fast accept path, and jsonschema for the verdict and message."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        Draft202012Validator.check_schema(schema)
        self.schema = schema
        self._validator = Draft202012Validator(schema)
        self._fast = compile_fast(schema)

    def violation(self, instance: Any, prefix: str) -> str | None:
        """Return `field: problem` for the most relevant violation, or None if valid."""
        if self._fast is not None and self._fast(instance):
            return None
        error = best_match(self._validator.iter_errors(instance))
        return None if error is None else _describe(error, prefix)


def compile_schema(schema: Mapping[str, Any]) -> SchemaCheck:
    """Check a schema is valid and return a reusable checker for it."""
    return SchemaCheck(schema)


def _describe(error: ValidationError, prefix: str) -> str:
    field = ".".join([prefix, *(str(part) for part in error.absolute_path)]).strip(".")
    kind = error.validator
    expected = error.validator_value
    instance = error.instance
    if kind == "required" and isinstance(instance, dict) and isinstance(expected, list):
        missing = next(name for name in expected if name not in instance)
        return f"{_join(field, missing)}: is required"
    if kind == "additionalProperties" and isinstance(instance, dict):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        declared = set(schema.get("properties", {}))
        extra = sorted(str(name) for name in instance if name not in declared)
        return f"{_join(field, extra[0] if extra else '?')}: is not an allowed property"
    return f"{field or 'body'}: {_problem(str(kind), expected)}"


def _join(field: str, name: str) -> str:
    return f"{field}.{name}" if field else name


def _problem(kind: str, expected: Any) -> str:
    messages = {
        "type": f"must be of type {expected}",
        "maxLength": f"must be at most {expected} characters",
        "minLength": f"must be at least {expected} characters",
        "maximum": f"must be at most {expected}",
        "minimum": f"must be at least {expected}",
        "maxItems": f"must have at most {expected} items",
        "minItems": f"must have at least {expected} items",
        "pattern": f"must match {expected}",
        "enum": f"must be one of {expected}",
        "const": f"must be {expected!r}",
    }
    return messages.get(kind, f"does not satisfy the schema's {kind!r} rule")
