"""The analyze_text action: deterministic counts, top terms and extractive summary."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from service.executors.base import ExecutionRequest
from service.executors.text_analysis import (
    ANALYZE_TEXT_ACTION_SPEC,
    MAX_TEXT_CHARS,
    TextAnalysisExecutor,
)

OPS_TEXT = (
    "Prometheus scrapes the backend every few seconds. "
    "The backend exposes metrics for every request! "
    "Alerts fire when metrics cross their thresholds? "
    "Grafana draws dashboards.\n\n"
    "Runbooks explain every alert"
)


async def analyse(**payload: Any) -> dict[str, Any]:
    request = ExecutionRequest(
        trace_id="tr_1", action="analyze_text", context_id="default", payload=payload
    )
    result = await TextAnalysisExecutor().execute(request)
    jsonschema.Draft202012Validator(ANALYZE_TEXT_ACTION_SPEC.result_schema).validate(result)
    return result


async def test_known_text_gives_known_statistics() -> None:
    result = await analyse(text=OPS_TEXT)

    assert result == {
        "word_count": 28,
        "sentence_count": 5,
        "unique_words": 23,
        "top_terms": [
            {"term": "every", "count": 3},
            {"term": "backend", "count": 2},
            {"term": "metrics", "count": 2},
            {"term": "alert", "count": 1},
            {"term": "alerts", "count": 1},
        ],
        # Scores: sentence 2 = 9 (backend 2 + every 3 + metrics 2 + 1 + 1) beats
        # sentence 1 = 8, yet the summary keeps the text's order.
        "summary": [
            "Prometheus scrapes the backend every few seconds.",
            "The backend exposes metrics for every request!",
        ],
    }


async def test_equal_counts_are_ranked_alphabetically() -> None:
    result = await analyse(text="gamma beta alpha gamma beta alpha delta", top_n=3)

    assert result["top_terms"] == [
        {"term": "alpha", "count": 2},
        {"term": "beta", "count": 2},
        {"term": "gamma", "count": 2},
    ]


async def test_terms_are_case_folded_and_skip_stop_words_numbers_and_letters() -> None:
    result = await analyse(text="The ERROR and the Error: error 500 in a x y z", top_n=20)

    assert result["top_terms"] == [{"term": "error", "count": 3}]
    assert result["word_count"] == 12
    assert result["unique_words"] == 9


async def test_summary_keeps_original_order_and_breaks_ties_by_position() -> None:
    text = "Cats sleep. Dogs bark. Birds sing loudly. Cats purr."

    result = await analyse(text=text, summary_sentences=2)

    # "cats" occurs twice, so sentences 1, 3 and 4 all score 3 and "Dogs bark."
    # scores 2: the tie goes to the earlier sentences, and "Cats purr." drops out.
    assert result["summary"] == ["Cats sleep.", "Birds sing loudly."]


async def test_summary_returns_every_sentence_when_asked_for_more() -> None:
    result = await analyse(text="One apple. Two pears!", summary_sentences=5)

    assert result["summary"] == ["One apple.", "Two pears!"]
    assert result["sentence_count"] == 2


async def test_quotes_stay_with_their_sentence_and_blank_lines_split() -> None:
    result = await analyse(text='He said "stop." Then left\n\nNew paragraph', summary_sentences=5)

    assert result["summary"] == ['He said "stop."', "Then left", "New paragraph"]


async def test_text_without_words_gives_empty_statistics() -> None:
    result = await analyse(text="... !!! ???")

    assert result == {
        "word_count": 0,
        "sentence_count": 0,
        "unique_words": 0,
        "top_terms": [],
        "summary": [],
    }


async def test_largest_allowed_text_fits_the_result_schema() -> None:
    text = ("Latency budgets burn quickly. " * MAX_TEXT_CHARS)[:MAX_TEXT_CHARS]

    result = await analyse(text=text, top_n=20, summary_sentences=5)

    assert result["top_terms"][0] == {"term": "budgets", "count": result["sentence_count"]}
    assert len(result["summary"]) == 5


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text"),
        ({"text": "hi", "top_n": 0}, "top_n"),
        ({"text": "hi", "top_n": 21}, "top_n"),
        ({"text": "hi", "top_n": "3"}, "top_n"),
        ({"text": "hi", "summary_sentences": 6}, "summary_sentences"),
        ({"text": "hi", "language": "en"}, "language"),
    ],
)
def test_payload_schema_rejects_bad_input_naming_the_field(
    payload: dict[str, Any], field: str
) -> None:
    validator = jsonschema.Draft202012Validator(ANALYZE_TEXT_ACTION_SPEC.payload_schema)

    errors = list(validator.iter_errors(payload))

    assert errors
    assert any(field in error.message or field in error.path for error in errors)
