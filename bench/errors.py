"""The one error type a benchmark raises when it cannot measure what it was asked to."""

from __future__ import annotations


class BenchError(RuntimeError):
    """A benchmark could not run; the message names the part and what to do about it."""
