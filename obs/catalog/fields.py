"""Typed readers for raw catalog values that raise CatalogError naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import promql_parser

from obs.catalog.errors import CatalogError

_DURATION_RE = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_ZERO_DURATION_RE = re.compile(r"(?:0+(?:ms|[smhdwy]))+")


@dataclass(frozen=True)
class Where:
    """The place in the catalog a value comes from: file and entry."""

    path: Path
    entry: str

    def error(self, field: str, problem: str) -> CatalogError:
        """Build the CatalogError for `field` of this entry."""
        return CatalogError(self.path, self.entry, field, problem)


def mapping(raw: Any, where: Where, field: str) -> dict[str, Any]:
    """Return `raw` as a mapping or fail naming the field."""
    if not isinstance(raw, dict):
        raise where.error(field, "must be a mapping")
    return raw


def entries(raw: Any, where: Where, field: str, *, required: bool = True) -> list[Any]:
    """Return `raw` as a list (empty if absent and optional) or fail naming the field."""
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw):
        raise where.error(field, "must be a non-empty list")
    return raw


def text(raw: dict[str, Any], where: Where, field: str) -> str:
    """Return a required non-empty string field."""
    value = raw.get(field)
    if value is None:
        raise where.error(field, "is required")
    if not isinstance(value, str) or not value.strip():
        raise where.error(field, f"must be a non-empty string, got {value!r}")
    return value.strip()


def text_list(raw: dict[str, Any], where: Where, field: str) -> tuple[str, ...]:
    """Return a required non-empty list of non-empty strings."""
    values = entries(raw.get(field), where, field)
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise where.error(field, "every item must be a non-empty string")
    return tuple(v.strip() for v in values)


def number(raw: dict[str, Any], where: Where, field: str) -> float:
    """Return a required number (int or float, never bool or a quoted string)."""
    value = raw.get(field)
    if value is None:
        raise where.error(field, "is required")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.error(field, f"must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def fraction(raw: dict[str, Any], where: Where, field: str) -> float:
    """Return a required number strictly between 0 and 1."""
    value = number(raw, where, field)
    if not 0 < value < 1:
        raise where.error(field, f"must be strictly between 0 and 1, got {value!r}")
    return value


def duration(raw: dict[str, Any], where: Where, field: str) -> str:
    """Return a required Prometheus duration string such as `5m` or `30s`."""
    value = raw.get(field)
    if value is None:
        raise where.error(field, "is required")
    if not isinstance(value, str) or not _DURATION_RE.match(value):
        raise where.error(field, f"must be a Prometheus duration like '5m', got {value!r}")
    return value


def seconds(value: str) -> int:
    """Convert a validated Prometheus duration to whole seconds."""
    return int(seconds_exact(value))


def seconds_exact(value: str) -> float:
    """Convert a validated Prometheus duration to seconds, keeping milliseconds."""
    if _ZERO_DURATION_RE.fullmatch(value):
        return 0.0  # `for: 0s` (fire at once); the parser refuses a zero duration
    delta: timedelta = promql_parser.parse_duration(value)
    return delta.total_seconds()


def only_keys(raw: dict[str, Any], where: Where, allowed: set[str]) -> None:
    """Fail on keys the model does not know, so a typo never passes silently."""
    for key in sorted(set(raw) - allowed, key=str):
        raise where.error(str(key), f"unknown field; allowed: {sorted(allowed)}")
