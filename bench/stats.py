"""The small statistics every figure goes through: median, ratio, spread, linear fit."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from bench.errors import BenchError


def median(values: Sequence[float]) -> float:
    """Return the median; several repetitions are the point, so an empty list is an error."""
    if not values:
        raise BenchError("median of no repetitions: the benchmark produced no samples")
    return float(statistics.median(values))


def ratio(numerator: float, baseline: float) -> float:
    """Return numerator / baseline, refusing a zero or negative baseline."""
    if baseline <= 0:
        raise BenchError(f"baseline must be positive to form a ratio, got {baseline!r}")
    return numerator / baseline


def relative_spread(values: Sequence[float]) -> float:
    """Return (max - min) / median: how far the repetitions disagree."""
    return ratio(max(values) - min(values), median(values))


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Return the least-squares (slope, intercept) of ys over xs."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise BenchError("a linear fit needs at least two (x, y) points of equal count")
    mean_x = statistics.fmean(xs)
    mean_y = statistics.fmean(ys)
    spread_x = sum((x - mean_x) ** 2 for x in xs)
    if spread_x == 0:
        raise BenchError("a linear fit needs at least two distinct x values")
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread_x
    return slope, mean_y - slope * mean_x
