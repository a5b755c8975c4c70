"""Validate dashboard JSON against Grafana's dashboard model (grafana-foundation-sdk)."""

from __future__ import annotations

import enum
import json
import types
import typing
from functools import cache
from typing import Any

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

_SCALARS: dict[type, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    float: (int, float),
    bool: (bool,),
}


@cache
def _plugins_registered() -> bool:
    # Panel options and Prometheus targets decode into typed models only once registered.
    register_default_plugins()
    return True


def model_errors(document: dict[str, Any]) -> list[str]:
    """Return every way `document` departs from Grafana's dashboard model (empty when valid)."""
    _plugins_registered()
    try:
        model = Dashboard.from_json(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [f"does not decode as a Grafana dashboard: {exc!r}"]
    errors = _type_errors(model, "dashboard")
    encoded = json.loads(json.dumps(model, cls=JSONEncoder))
    errors += [
        f"{path}: not a field of Grafana's dashboard model"
        for path in _lost(document, encoded, "dashboard")
    ]
    return errors


def _lost(original: Any, encoded: Any, path: str) -> list[str]:
    """Paths present in the original that the model dropped or changed on a round trip."""
    if isinstance(original, dict):
        if not isinstance(encoded, dict):
            return [path]
        lost = []
        for key, value in original.items():
            if key not in encoded:
                lost.append(f"{path}.{key}")
            else:
                lost += _lost(value, encoded[key], f"{path}.{key}")
        return lost
    if isinstance(original, list):
        if not isinstance(encoded, list) or len(encoded) != len(original):
            return [path]
        return [
            p for i, item in enumerate(original) for p in _lost(item, encoded[i], f"{path}[{i}]")
        ]
    return [] if original == encoded else [f"{path} (value {original!r} became {encoded!r})"]


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):
        return {}


def _type_errors(obj: Any, path: str) -> list[str]:
    errors: list[str] = []
    for name, hint in _hints(type(obj)).items():
        if hasattr(obj, name):
            errors += _check(getattr(obj, name), hint, f"{path}.{name}")
    return errors


def _check(value: Any, hint: Any, path: str) -> list[str]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return []
    if origin in (typing.Union, types.UnionType):
        candidates = [a for a in args if value is None or a is not type(None)]
        results = [_check(value, arg, path) for arg in candidates]
        # No alternative fits: the one with the fewest complaints is the one meant.
        return [] if any(not r for r in results) else min(results, key=len)
    if origin is typing.Literal:
        return [] if value in args else [f"{path}: {value!r} is not one of {list(args)}"]
    if value is None:
        return [] if hint is type(None) else [f"{path}: must not be null"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: must be a list"]
        return [e for i, item in enumerate(value) for e in _check(item, args[0], f"{path}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: must be an object"]
        return [e for k, item in value.items() for e in _check(item, args[1], f"{path}.{k}")]
    if not isinstance(hint, type):
        return []
    if hint in _SCALARS:
        ok = isinstance(value, _SCALARS[hint]) and (hint is bool or not isinstance(value, bool))
        return [] if ok else [f"{path}: {value!r} is not a {hint.__name__}"]
    if issubclass(hint, enum.Enum):
        allowed = [m.value for m in hint]
        return [] if value in allowed else [f"{path}: {value!r} is not one of {allowed}"]
    if isinstance(value, dict) and hasattr(hint, "from_json"):
        return _type_errors(hint.from_json(value), path)
    if isinstance(value, hint):
        return _type_errors(value, path)
    return [f"{path}: expected {hint.__name__}, got {type(value).__name__}"]
