"""The results table a reader sees: aligned columns, ratios with x, verdicts per bar."""

from __future__ import annotations

import pytest

from bench.report.figures import Bar, Figure, PartResult
from bench.report.table import format_value, render_results, render_table


def test_columns_are_padded_to_the_widest_cell() -> None:
    text = render_table(("a", "bb"), [("long cell", "x"), ("y", "z")])
    lines = text.splitlines()
    assert lines[0] == "a          bb"
    assert lines[1] == "---------  --"
    assert lines[2] == "long cell  x"
    assert lines[3] == "y          z"


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 2"):
        render_table(("a", "b"), [("only one",)])


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(0.6234, "x", "0.62x"), (41.04, "%", "41.0%"), (12.345, "ms", "12.35 ms")],
)
def test_values_show_their_unit(value: float, unit: str, shown: str) -> None:
    assert format_value(value, unit) == shown


def test_figures_show_their_bar_and_whether_it_holds() -> None:
    parts = [
        PartResult(
            "load",
            figures=[
                Figure("load", "pipeline throughput", 0.62, "x", "bare aiohttp", Bar(">=", 0.6)),
                Figure("load", "pipeline p99", 16.0, "ms", "64 connections", Bar("<", 15.0)),
                Figure("load", "twin throughput", 0.3, "x", "bare aiohttp"),
            ],
        ),
    ]
    rows = render_results(parts).splitlines()[2:]
    assert rows[0].split()[-3:] == [">=", "0.6", "yes"]
    assert rows[1].split()[-3:] == ["<", "15", "NO"]
    assert rows[2].endswith("bare aiohttp")


def test_a_part_that_failed_is_listed_as_not_measured_with_its_reason() -> None:
    text = render_results([PartResult("contract", error="BenchError: wrk is not on PATH")])
    assert "NOT MEASURED" in text
    assert "wrk is not on PATH" in text


@pytest.mark.parametrize(
    ("bar", "value", "holds"),
    [
        (Bar(">=", 0.6), 0.6, True),
        (Bar(">=", 0.6), 0.59, False),
        (Bar("<", 15.0), 14.9, True),
        (Bar("<", 15.0), 15.0, False),
        (Bar("<=", 1.0), 1.0, True),
        (Bar("==", 0.0), 0.0, True),
        (Bar("==", 0.0), 3.0, False),
    ],
)
def test_bars_compare_as_written(bar: Bar, value: float, holds: bool) -> None:
    assert bar.holds(value) is holds
