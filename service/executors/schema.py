"""Helpers for writing the strict JSON Schemas (draft 2020-12) that actions declare."""

from __future__ import annotations

from typing import Any

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def strict_object(
    properties: dict[str, Any], *, required: tuple[str, ...], title: str | None = None
) -> dict[str, Any]:
    """Return an object schema that rejects unknown properties."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }
    if title is not None:
        schema = {"$schema": JSON_SCHEMA_DIALECT, "title": title, **schema}
    return schema
