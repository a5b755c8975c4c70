"""A compiled accept-fast path for the simple JSON Schemas actions declare.

jsonschema walks a schema through generic machinery (~20-30 us per small
document); the pipeline validates three documents per request. Most schemas
here use a handful of keywords, so they compile into a few closures that
answer "valid" in about a microsecond. The fast path may only ever ACCEPT:
anything it cannot decide, or rejects, goes to jsonschema, which stays the
authority and writes the error message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples"})
_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "maxLength",
        "minLength",
        "minimum",
        "maximum",
        "items",
        "maxItems",
        "minItems",
    }
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    # JSON Schema 2020-12: an integer is any number with a zero fractional part.
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def compile_fast(schema: Any) -> Check | None:
    """Return a predicate that is True only for valid instances, or None if unsupported."""
    if not isinstance(schema, Mapping) or set(schema) - _KEYWORDS - _ANNOTATIONS:
        return None
    fused = _fused(schema)
    if fused is not None:
        return fused
    checks: list[Check] = []
    for build in (_type_check, _string_checks, _number_checks, _object_check, _array_check):
        built = build(schema)
        if built is None:
            return None
        checks.extend(built)
    if len(checks) == 1:
        return checks[0]

    def check_all(value: Any) -> bool:
        # A plain loop: all() over a generator costs a frame per check.
        for check in checks:  # noqa: SIM110
            if not check(value):
                return False
        return True

    return check_all


_FUSABLE = {
    "string": frozenset({"type", "minLength", "maxLength"}),
    "integer": frozenset({"type", "minimum", "maximum"}),
    "object": frozenset({"type", "properties", "required", "additionalProperties"}),
}


def _fused(schema: Mapping[str, Any]) -> Check | None:
    """Return one closure for a single-type string, integer or object schema, or None."""
    # One call per value instead of one per keyword: these shapes are most of
    # what the envelope and the shipped actions declare.
    declared = schema.get("type")
    allowed = _FUSABLE.get(declared) if isinstance(declared, str) else None
    if allowed is None or set(schema) - _ANNOTATIONS - allowed:
        return None
    if declared == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if not isinstance(low, int) or not (high is None or isinstance(high, int)):
            return None
        limit = high if high is not None else float("inf")
        return lambda value: isinstance(value, str) and low <= len(value) <= limit
    if declared == "integer":
        bounds = [schema.get("minimum"), schema.get("maximum")]
        if not all(bound is None or _is_number(bound) for bound in bounds):
            return None
        least = bounds[0] if bounds[0] is not None else float("-inf")
        most = bounds[1] if bounds[1] is not None else float("inf")
        return lambda value: _is_integer(value) and least <= value <= most
    built = _object_check(schema, require_object=True)
    if built is None:
        return None
    return built[0] if built else _TYPES["object"]


def _type_check(schema: Mapping[str, Any]) -> list[Check] | None:
    declared = schema.get("type")
    if declared is None:
        return []
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or any(name not in _TYPES for name in names):
        return None
    predicates = [_TYPES[name] for name in names]
    if len(predicates) == 1:
        return [predicates[0]]
    return [lambda value: any(predicate(value) for predicate in predicates)]


def _string_checks(schema: Mapping[str, Any]) -> list[Check] | None:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if not isinstance(low, int) or not (high is None or isinstance(high, int)):
        return None
    if low == 0 and high is None:
        return []
    limit = high if high is not None else float("inf")
    return [lambda value: not isinstance(value, str) or low <= len(value) <= limit]


def _number_checks(schema: Mapping[str, Any]) -> list[Check] | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if not all(bound is None or _is_number(bound) for bound in (low, high)):
        return None
    checks: list[Check] = []
    if low is not None:
        checks.append(lambda value: not _is_number(value) or value >= low)
    if high is not None:
        checks.append(lambda value: not _is_number(value) or value <= high)
    return checks


def _object_check(schema: Mapping[str, Any], *, require_object: bool = False) -> list[Check] | None:
    raw_properties = schema.get("properties", {})
    required = schema.get("required", [])
    additional = schema.get("additionalProperties", True)
    if not isinstance(raw_properties, Mapping) or not isinstance(required, list):
        return None
    properties: dict[str, Check] = {}
    for name, subschema in raw_properties.items():
        compiled = compile_fast(subschema)
        if compiled is None:
            return None
        properties[name] = compiled
    if additional is True:
        extra: Check | None = None
    elif additional is False:
        extra = lambda value: False  # noqa: E731 - a check like the others
    else:
        extra = compile_fast(additional)
        if extra is None:
            return None
    if not properties and not required and extra is None:
        return []

    def check_object(value: Any) -> bool:
        if not isinstance(value, dict):
            return not require_object
        for name in required:
            if name not in value:
                return False
        for name, item in value.items():
            item_check = properties.get(name, extra)
            if item_check is not None and not item_check(item):
                return False
        return True

    return [check_object]


def _array_check(schema: Mapping[str, Any]) -> list[Check] | None:
    low, high = schema.get("minItems", 0), schema.get("maxItems")
    if not isinstance(low, int) or not (high is None or isinstance(high, int)):
        return None
    items = schema.get("items")
    item_check = None if items is None else compile_fast(items)
    if items is not None and item_check is None:
        return None
    if low == 0 and high is None and item_check is None:
        return []
    limit = high if high is not None else float("inf")

    def check_array(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        if not low <= len(value) <= limit:
            return False
        if item_check is not None:
            for item in value:
                if not item_check(item):
                    return False
        return True

    return [check_array]
