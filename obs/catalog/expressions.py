"""Parse PromQL and check its selectors against the series the catalog knows."""

from __future__ import annotations

import re
from dataclasses import dataclass

import promql_parser

from obs.catalog.errors import CatalogError
from obs.catalog.fields import Where
from obs.catalog.series import SeriesSchema

# MatchOp is not hashable, so map by its stable name.
_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
# Grafana substitutes these before the query reaches Prometheus; any valid duration parses.
_GRAFANA_RANGES = re.compile(r"\$__(rate_interval|interval|range)\b")
_DATASOURCE_VAR = re.compile(r"\$\{?datasource\}?")


class PromQLError(ValueError):
    """An expression does not parse as PromQL."""


@dataclass(frozen=True)
class LabelMatcher:
    """One label matcher of a selector, e.g. `status=~"5.."`."""

    name: str
    op: str
    value: str

    def matches(self, candidate: str) -> bool:
        """Tell whether a label value satisfies this matcher (regexes are fully anchored)."""
        if self.op == "=":
            return candidate == self.value
        if self.op == "!=":
            return candidate != self.value
        hit = re.fullmatch(self.value, candidate) is not None
        return hit if self.op == "=~" else not hit


@dataclass(frozen=True)
class Selector:
    """A vector selector: a metric name and its label matchers."""

    metric: str
    matchers: tuple[LabelMatcher, ...]

    def matches(self, labels: dict[str, str]) -> bool:
        """Tell whether a concrete label set is selected (absent labels read as '')."""
        return all(m.matches(labels.get(m.name, "")) for m in self.matchers)

    def render(self) -> str:
        """Render back to PromQL in a stable form."""
        inner = ",".join(f'{m.name}{m.op}"{_escape(m.value)}"' for m in self.matchers)
        return f"{self.metric}{{{inner}}}" if inner else self.metric


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def grafana_to_promql(expr: str) -> str:
    """Resolve Grafana's built-in range variables so the expression is plain PromQL."""
    return _GRAFANA_RANGES.sub("5m", expr)


def parse(expr: str) -> promql_parser.Expr:
    """Parse PromQL, raising PromQLError with the parser's message."""
    try:
        return promql_parser.parse(expr)
    except (ValueError, TypeError) as exc:
        raise PromQLError(str(exc)) from exc


def selectors(expr: str) -> tuple[Selector, ...]:
    """Extract every vector selector, including those inside range selectors."""
    found: list[Selector] = []

    # walk() descends into a range selector's inner vector selector, so that covers both.
    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(selector_from_node(node))

    promql_parser.walk(parse(expr), pre_visit=visit)
    return tuple(found)


def selector_from_node(node: promql_parser.VectorSelector) -> Selector:
    matchers = tuple(
        LabelMatcher(m.name, _OPS[str(m.op)], m.value)
        for m in node.matchers.matchers
        if m.name != "__name__"
    )
    name = node.name or next((m.value for m in node.matchers.matchers if m.name == "__name__"), "")
    return Selector(metric=name, matchers=matchers)


def parse_selector(text: str, where: Where, field: str) -> Selector:
    """Parse a catalog field that must hold exactly one plain vector selector."""
    try:
        node = parse(text)
    except PromQLError as exc:
        raise where.error(field, f"not valid PromQL: {exc}") from exc
    if not isinstance(node, promql_parser.VectorSelector):
        raise where.error(field, f"must be a plain series selector, got {text!r}")
    return selector_from_node(node)


def check_selector(selector: Selector, schema: SeriesSchema, where: Where, field: str) -> None:
    """Fail unless the selector names a known series with known labels and reachable values."""
    if not selector.metric:
        raise where.error(field, "every selector must name a metric")
    labels = schema.labels(selector.metric)
    if labels is None:
        raise where.error(field, f"unknown metric {selector.metric!r} (not in the catalog)")
    for matcher in selector.matchers:
        if matcher.name not in labels:
            known = sorted(labels)
            raise CatalogError(
                where.path,
                where.entry,
                field,
                f"label {matcher.name!r} is not a label of {selector.metric} (labels: {known})",
            )
        allowed = labels[matcher.name]
        if allowed is None or matcher.op in ("!=", "!~"):
            continue
        try:
            reachable = any(matcher.matches(value) for value in allowed)
        except re.error as exc:
            raise where.error(field, f"bad regex in {matcher.name}: {exc}") from exc
        if not reachable:
            raise where.error(
                field,
                f"{matcher.name}{matcher.op}{matcher.value!r} matches none of the allowed "
                f"values of {selector.metric} ({list(allowed)})",
            )


def check_expression(expr: str, schema: SeriesSchema, where: Where, field: str) -> None:
    """Parse an expression and check every selector in it against the schema."""
    try:
        found = selectors(grafana_to_promql(expr))
    except PromQLError as exc:
        raise where.error(field, f"not valid PromQL: {exc}") from exc
    for selector in found:
        check_selector(selector, schema, where, field)
