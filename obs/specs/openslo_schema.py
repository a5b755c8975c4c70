"""Validate documents against the OpenSLO v1 JSON schemas kept in obs/schemas/openslo."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from obs.specs.errors import DocRef

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "openslo" / "v1"


_PARTS = "https://openslo.com/schemas/v1/parts/"
# The root schema's `oneOf` over kinds hides which field is wrong; validating against the
# general schema plus the document kind's own part (what that `oneOf` picks) names it.
_KIND_PARTS = {
    "AlertCondition": "alertcondition-spec",
    "AlertNotificationTarget": "alertnotificationtarget-spec",
    "AlertPolicy": "alertpolicy-spec",
    "DataSource": "datasource-spec",
    "Service": "service-spec",
    "SLI": "sli-spec",
    "SLO": "slo-spec",
}


@cache
def _registry() -> Registry[Any]:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def _validator(kind: str) -> Draft7Validator:
    parts = [{"$ref": f"{_PARTS}general.schema.json"}]
    if kind in _KIND_PARTS:
        parts.append({"$ref": f"{_PARTS}{_KIND_PARTS[kind]}.schema.json"})
    return Draft7Validator({"allOf": parts}, registry=_registry())


def check_schema(doc: dict[str, Any], ref: DocRef) -> None:
    """Fail naming the field of the first schema violation (the most specific one)."""
    error = best_match(_validator(str(doc.get("kind"))).iter_errors(doc))
    if error is None:
        return
    field = ".".join(str(part) for part in error.absolute_path) or "-"
    raise ref.error(field, f"violates the OpenSLO v1 schema: {error.message[:300]}")
