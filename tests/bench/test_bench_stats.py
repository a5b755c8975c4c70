"""Medians, ratios, spreads and linear fits behave as the reported figures assume."""

from __future__ import annotations

import pytest

from bench.errors import BenchError
from bench.stats import linear_fit, median, ratio, relative_spread


def test_median_of_odd_and_even_repetitions() -> None:
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_median_of_no_repetitions_is_an_error() -> None:
    with pytest.raises(BenchError, match="no repetitions"):
        median([])


def test_ratio_divides_by_the_baseline() -> None:
    assert ratio(6000.0, 10000.0) == pytest.approx(0.6)


@pytest.mark.parametrize("baseline", [0.0, -1.0])
def test_ratio_refuses_a_non_positive_baseline(baseline: float) -> None:
    with pytest.raises(BenchError, match="baseline must be positive"):
        ratio(1.0, baseline)


def test_relative_spread_is_range_over_median() -> None:
    assert relative_spread([90.0, 100.0, 110.0]) == pytest.approx(0.2)


def test_linear_fit_recovers_slope_and_intercept() -> None:
    slope, intercept = linear_fit([1, 10, 100], [0.5 + 0.2 * n for n in (1, 10, 100)])
    assert slope == pytest.approx(0.2)
    assert intercept == pytest.approx(0.5)


def test_linear_fit_needs_two_distinct_points() -> None:
    with pytest.raises(BenchError, match="two"):
        linear_fit([1.0], [2.0])
    with pytest.raises(BenchError, match="distinct"):
        linear_fit([3.0, 3.0], [1.0, 2.0])
