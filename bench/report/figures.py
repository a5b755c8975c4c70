"""A reported figure (a ratio against a same-run baseline) and the bar it must reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Comparison = Literal[">=", "<=", "<", "=="]


@dataclass(frozen=True)
class Bar:
    """The acceptance limit a figure is held to."""

    comparison: Comparison
    limit: float

    def holds(self, value: float) -> bool:
        """Return True if value meets the bar."""
        if self.comparison == ">=":
            return value >= self.limit
        if self.comparison == "<=":
            return value <= self.limit
        if self.comparison == "<":
            return value < self.limit
        return value == self.limit

    def __str__(self) -> str:
        return f"{self.comparison} {self.limit:g}"


@dataclass(frozen=True)
class Figure:
    """One line of the results table."""

    part: str
    name: str
    value: float
    unit: str
    baseline: str
    bar: Bar | None = None

    @property
    def passed(self) -> bool | None:
        """Return whether the bar holds, or None when the figure has no bar."""
        return None if self.bar is None else self.bar.holds(self.value)


@dataclass
class PartResult:
    """What one part of the run produced: its figures and the raw numbers behind them."""

    part: str
    figures: list[Figure] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    wall_s: float = 0.0
