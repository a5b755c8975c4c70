"""Render numbers the same way everywhere: in PromQL, annotations and runbooks."""

from __future__ import annotations


def promql_number(value: float) -> str:
    """Render a number as a short, exact PromQL literal (50.0 -> 50, 0.05 -> 0.05)."""
    text = repr(float(value))
    return text.removesuffix(".0")


def percent(value: float) -> str:
    """Render a ratio as a percentage without float noise (0.05 -> 5%)."""
    return f"{round(value * 100, 6):g}%"
