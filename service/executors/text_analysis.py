"""The analyze_text action: word and sentence counts, top terms, an extractive summary."""

from __future__ import annotations

from typing import Any

from service.executors.base import ActionSpec, ExecutionRequest
from service.executors.schema import strict_object
from service.executors.single_action import SingleActionExecutor
from service.executors.text_stats import analyse

TEXT_ANALYSIS_EXECUTOR_ID = "text_analysis"
ANALYZE_TEXT_ACTION = "analyze_text"
MAX_TEXT_CHARS = 20_000
MAX_TOP_N = 20
MAX_SUMMARY_SENTENCES = 5
DEFAULT_TOP_N = 5
DEFAULT_SUMMARY_SENTENCES = 2

_COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_TEXT_CHARS}

ANALYZE_TEXT_ACTION_SPEC = ActionSpec(
    name=ANALYZE_TEXT_ACTION,
    executor_id=TEXT_ANALYSIS_EXECUTOR_ID,
    description=(
        "Count words and sentences, list the most frequent terms (stop words removed) "
        "and pick the most representative sentences as a summary."
    ),
    payload_schema=strict_object(
        {
            "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS},
            "top_n": {"type": "integer", "minimum": 1, "maximum": MAX_TOP_N},
            "summary_sentences": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_SUMMARY_SENTENCES,
            },
        },
        required=("text",),
        title="analyze_text payload",
    ),
    result_schema=strict_object(
        {
            "word_count": _COUNT,
            "sentence_count": _COUNT,
            "unique_words": _COUNT,
            "top_terms": {
                "type": "array",
                "maxItems": MAX_TOP_N,
                "items": strict_object(
                    {
                        "term": {"type": "string", "minLength": 1},
                        "count": {"type": "integer", "minimum": 1},
                    },
                    required=("term", "count"),
                ),
            },
            "summary": {
                "type": "array",
                "maxItems": MAX_SUMMARY_SENTENCES,
                "items": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT_CHARS},
            },
        },
        required=("word_count", "sentence_count", "unique_words", "top_terms", "summary"),
        title="analyze_text result",
    ),
)


class TextAnalysisExecutor(SingleActionExecutor):
    """Serve the `analyze_text` action with pure, deterministic Python."""

    spec = ANALYZE_TEXT_ACTION_SPEC

    async def execute(self, request: ExecutionRequest) -> dict[str, Any]:
        """Analyse the payload's text (already validated against the payload schema)."""
        payload = request.payload
        stats = analyse(
            payload["text"],
            # JSON Schema counts 2.0 as an integer, so the schema admits it: coerce here.
            top_n=int(payload.get("top_n", DEFAULT_TOP_N)),
            summary_sentences=int(payload.get("summary_sentences", DEFAULT_SUMMARY_SENTENCES)),
        )
        return {
            "word_count": stats.word_count,
            "sentence_count": stats.sentence_count,
            "unique_words": stats.unique_words,
            "top_terms": [{"term": t.term, "count": t.count} for t in stats.top_terms],
            "summary": list(stats.summary),
        }
