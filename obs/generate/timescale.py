"""Divide every duration of a PromQL expression (ranges, subquery steps, offsets) by a scale.

The drill copy of the rules must differ from the real rules in durations only, so this
rewrites the expression's text in place instead of re-rendering it from an AST: label
matchers, metric names, numbers and layout stay byte-for-byte as generated. String literals
(label values may hold `[0-9]` regexes) are skipped; tests parse both forms with the real
PromQL parser to prove nothing else moved.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import promql_parser

from obs.catalog.fields import seconds_exact

_DURATION = r"(?:[0-9]+(?:ms|[smhdwy]))+"
# Outside string literals, brackets only ever hold a range or a subquery's range:step.
_RANGE_RE = re.compile(rf"\[\s*({_DURATION})\s*(?::\s*({_DURATION})?\s*)?\]")
_OFFSET_RE = re.compile(rf"\boffset\s+(-?)({_DURATION})")
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_UNITS_MS = (
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
)


def duration_ms(text: str) -> int:
    """Return a Prometheus duration in whole milliseconds."""
    return round(seconds_exact(text) * 1000)


def format_duration(ms: int) -> str:
    """Render milliseconds as a Prometheus duration, largest units first (8640000 -> 2h24m)."""
    if ms <= 0:
        return "0s"
    parts = []
    # Weeks and years read oddly once scaled down; days are the largest unit rendered.
    for unit, size in _UNITS_MS[2:]:
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def scale_duration(text: str, scale: int) -> str:
    """Divide one duration by scale, rounded to the millisecond."""
    return format_duration(round(duration_ms(text) / scale))


def scale_expression(expr: str, scale: int) -> str:
    """Return expr with every range, subquery step and offset divided by scale."""

    def ranges(match: re.Match[str]) -> str:
        range_, step = match.group(1), match.group(2)
        scaled = scale_duration(range_, scale)
        if ":" not in match.group(0):
            return f"[{scaled}]"
        return f"[{scaled}:{scale_duration(step, scale) if step else ''}]"

    def offsets(match: re.Match[str]) -> str:
        return f"offset {match.group(1)}{scale_duration(match.group(2), scale)}"

    return _outside_strings(expr, lambda code: _OFFSET_RE.sub(offsets, _RANGE_RE.sub(ranges, code)))


def expression_ranges_ms(expr: str) -> list[int]:
    """Return every range and subquery range of expr, in milliseconds, as the parser sees them."""
    found: list[int] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.MatrixSelector | promql_parser.SubqueryExpr):
            assert node.range is not None, "a range selector always has a range"
            found.append(round(node.range.total_seconds() * 1000))

    promql_parser.walk(promql_parser.parse(expr), pre_visit=visit)
    return found


def _outside_strings(expr: str, change: Callable[[str], str]) -> str:
    out: list[str] = []
    position = 0
    for literal in _STRING_RE.finditer(expr):
        out.append(change(expr[position : literal.start()]))
        out.append(literal.group(0))
        position = literal.end()
    out.append(change(expr[position:]))
    return "".join(out)
