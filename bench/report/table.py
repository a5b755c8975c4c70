"""Render figures as an aligned plain-text table."""

from __future__ import annotations

from collections.abc import Sequence

from bench.report.figures import Figure, PartResult

HEADERS = ("part", "figure", "value", "baseline", "bar", "ok")


def format_value(value: float, unit: str) -> str:
    """Format a figure: ratios as `0.62x`, shares as `41.0%`, anything else with its unit."""
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:.2f} {unit}"


def figure_row(figure: Figure) -> tuple[str, ...]:
    """Return the table cells for one figure."""
    verdict = {None: "", True: "yes", False: "NO"}[figure.passed]
    bar = str(figure.bar) if figure.bar else ""
    return (
        figure.part,
        figure.name,
        format_value(figure.value, figure.unit),
        figure.baseline,
        bar,
        verdict,
    )


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return rows under headers, columns padded to their widest cell."""
    widths = [len(h) for h in headers]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, expected {len(headers)}: {row!r}")
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _clip(text: str | None, limit: int = 120) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_results(parts: Sequence[PartResult]) -> str:
    """Return the results table, with a line per part that could not be measured."""
    rows = [figure_row(f) for p in parts for f in p.figures]
    rows += [(p.part, "NOT MEASURED", "", _clip(p.error), "", "NO") for p in parts if p.error]
    return render_table(HEADERS, rows)
