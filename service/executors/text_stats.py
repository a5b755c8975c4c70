"""Deterministic text statistics: counts, top terms and an extractive summary."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from service.executors.stop_words import STOP_WORDS

# A word is letters/digits, optionally joined by an apostrophe or hyphen
# ("don't", "state-of-the-art"); underscores and punctuation separate words.
_WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")
# Sentences end at . ! ? (a closing quote or bracket stays with its sentence)
# followed by whitespace, or at a blank line. Abbreviations such as "e.g." end
# one too: the price of having no language model.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"'\u201d\u2019)\]])\s+|\n\s*\n")


@dataclass(frozen=True)
class TermCount:
    """How often one (case-folded) term occurs."""

    term: str
    count: int


@dataclass(frozen=True)
class TextStats:
    """Everything the text analysis action reports about one text."""

    word_count: int
    sentence_count: int
    unique_words: int
    top_terms: tuple[TermCount, ...]
    summary: tuple[str, ...]


def words(text: str) -> list[str]:
    """Return the text's words, case-folded, in order."""
    return [match.group().casefold() for match in _WORD.finditer(text)]


def is_content_term(word: str) -> bool:
    """Return whether a word carries meaning (not a stop word, a bare number or one letter)."""
    return len(word) > 1 and word not in STOP_WORDS and not word.isdigit()


def sentences(text: str) -> list[str]:
    """Return the sentences that contain at least one word, whitespace-normalised, in order."""
    pieces = (" ".join(piece.split()) for piece in _SENTENCE_BREAK.split(text))
    return [piece for piece in pieces if _WORD.search(piece)]


def top_terms(term_counts: Counter[str], limit: int) -> tuple[TermCount, ...]:
    """Return the most frequent terms; equal counts are ordered alphabetically."""
    ranked = sorted(term_counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(TermCount(term, count) for term, count in ranked[:limit])


def extractive_summary(
    text_sentences: list[str], term_counts: Counter[str], limit: int
) -> tuple[str, ...]:
    """Pick the `limit` sentences whose distinct content terms are most frequent overall.

    A sentence scores the sum of the document-wide counts of its distinct
    content terms; equal scores favour the earlier sentence. The chosen
    sentences come back in their original order so the summary reads naturally.
    """
    scores = [
        sum(term_counts[term] for term in set(words(sentence)) if term in term_counts)
        for sentence in text_sentences
    ]
    best = sorted(range(len(text_sentences)), key=lambda index: (-scores[index], index))[:limit]
    return tuple(text_sentences[index] for index in sorted(best))


def analyse(text: str, *, top_n: int, summary_sentences: int) -> TextStats:
    """Return word, sentence and term statistics and an extractive summary of `text`."""
    all_words = words(text)
    term_counts = Counter(word for word in all_words if is_content_term(word))
    text_sentences = sentences(text)
    return TextStats(
        word_count=len(all_words),
        sentence_count=len(text_sentences),
        unique_words=len(set(all_words)),
        top_terms=top_terms(term_counts, top_n),
        summary=extractive_summary(text_sentences, term_counts, summary_sentences),
    )
