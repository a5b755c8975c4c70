"""Audit lines parse to exactly the event emitted; the schema's reason set is the catalog's."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from obs.catalog import load_catalog
from service.audit import AUDIT_EVENT_SCHEMA_PATH
from service.audit.writer import EventEncoder

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.mark.parametrize(
    "fields",
    [
        {"gate": "authn", "decision": "ALLOW", "reason": "OK", "key_id": None},
        {"status": 200, "reason_codes": ["A", "B"], "duration_ms": 0.125},
        {"text": 'quote " backslash \\ newline \n tab \t unicode é ☃ \u2028'},
        {"flag": True, "other": False, "big": 10**20, "small": 1e-07},
        {"nested": {"a": [1, {"b": None}]}},
    ],
)
def test_encoded_line_is_the_same_object(fields: dict[str, Any]) -> None:
    encoder = EventEncoder()
    for _ in range(2):  # the second round comes from the fragment cache
        line = encoder.encode("tr_" + "a" * 32, "DECISION", fields)
        assert line.endswith("\n") and line.count("\n") == 1
        decoded = json.loads(line)
        assert TS.match(decoded.pop("ts_utc"))
        assert decoded == {"trace_id": "tr_" + "a" * 32, "event": "DECISION", **fields}
        assert list(decoded)[2:] == list(fields), "field order is kept"


def test_schema_gate_reasons_are_the_catalog_reasons() -> None:
    schema = json.loads(AUDIT_EVENT_SCHEMA_PATH.read_text())
    spec = load_catalog().metric("techno_gate_decisions_total")
    assert schema["$defs"]["gate_reason"]["enum"] == list(spec.labels["reason"])
    decision = next(b for b in schema["oneOf"] if b["properties"]["event"]["const"] == "DECISION")
    assert decision["properties"]["gate"]["enum"] == list(spec.labels["gate"])
