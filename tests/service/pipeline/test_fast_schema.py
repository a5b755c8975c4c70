"""The fast schema path may only accept what jsonschema accepts (differential test)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from service.executors.echo import ECHO_ACTION_SPEC
from service.executors.text_analysis import ANALYZE_TEXT_ACTION_SPEC
from service.gates.input import ENVELOPE_SCHEMA
from service.pipeline.fast_schema import compile_fast
from service.pipeline.schema_errors import compile_schema

SCHEMAS: dict[str, Any] = {
    "envelope": ENVELOPE_SCHEMA,
    "echo payload": ECHO_ACTION_SPEC.payload_schema,
    "echo result": ECHO_ACTION_SPEC.result_schema,
    "analyze payload": ANALYZE_TEXT_ACTION_SPEC.payload_schema,
    "analyze result": ANALYZE_TEXT_ACTION_SPEC.result_schema,
    "multi-type": {"type": ["string", "null"], "maxLength": 3},
    "open object": {"type": "object", "additionalProperties": {"type": "integer"}},
}
SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    1.5,
    20,
    21,
    10**9,
    "",
    "a",
    "x" * 5000,
    "hello world. again.",
    [],
    {},
    float("1e300"),
]


def random_instance(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice(SCALARS)
    if roll < 0.7:
        return [random_instance(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [
        "action",
        "context_id",
        "payload",
        "message",
        "length",
        "text",
        "top_n",
        "summary_sentences",
        "word_count",
        "term",
        "count",
        "summary",
        "top_terms",
        "x",
    ]
    return {rng.choice(keys): random_instance(rng, depth + 1) for _ in range(rng.randrange(5))}


def mutations(valid: Any, rng: random.Random) -> list[Any]:
    found = [valid]
    if isinstance(valid, dict):
        for key in list(valid):
            for replacement in (rng.choice(SCALARS), random_instance(rng)):
                found.append({**valid, key: replacement})
            found.append({k: v for k, v in valid.items() if k != key})
        found.append({**valid, "unexpected": 1})
    return found


VALID_EXAMPLES: dict[str, list[Any]] = {
    "envelope": [{"action": "echo", "context_id": "default", "payload": {}}],
    "echo payload": [{"message": "hi"}],
    "echo result": [{"message": "hi", "length": 2}],
    "analyze payload": [{"text": "t", "top_n": 3, "summary_sentences": 1}],
    "analyze result": [
        {
            "word_count": 2,
            "sentence_count": 1,
            "unique_words": 2,
            "top_terms": [{"term": "a", "count": 1}],
            "summary": ["A b."],
        }
    ],
    "multi-type": [None, "abc"],
    "open object": [{"a": 1, "b": 2.0}],
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_fast_path_never_accepts_what_jsonschema_rejects(name: str) -> None:
    schema = SCHEMAS[name]
    fast = compile_fast(schema)
    assert fast is not None, f"{name} should compile to the fast path"
    reference = Draft202012Validator(schema)
    rng = random.Random(name)
    instances = [random_instance(rng) for _ in range(3000)]
    for valid in VALID_EXAMPLES[name]:
        instances.extend(mutations(valid, rng))
    for instance in instances:
        if fast(instance):
            assert reference.is_valid(instance), (name, instance)
    for valid in VALID_EXAMPLES[name]:
        assert fast(valid), "valid documents take the fast path"


@pytest.mark.parametrize(
    "schema",
    [{"enum": ["a"]}, {"pattern": "^a$"}, {"oneOf": [{}]}, {"type": "decimal"}, True],
)
def test_unsupported_schemas_fall_back_to_jsonschema(schema: Any) -> None:
    assert compile_fast(schema) is None


def test_checker_reports_the_same_verdict_either_way() -> None:
    check = compile_schema({"type": "object", "properties": {"n": {"enum": [1]}}})
    assert check.violation({"n": 1}, "payload") is None
    assert check.violation({"n": 2}, "payload") == "payload.n: must be one of [1]"
