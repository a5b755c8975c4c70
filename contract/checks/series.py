"""Series: every selector of every rule, panel and runbook query selects something live."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import promql_parser

from obs.catalog.expressions import LabelMatcher, PromQLError, Selector, parse, selectors

# Their argument is meant to select nothing while all is well.
EMPTY_OK_FUNCTIONS = frozenset({"absent", "absent_over_time"})


@dataclass(frozen=True)
class SelectorUse:
    """One vector selector of an expression, and whether it may select nothing by design."""

    selector: Selector
    # Inside absent(), absent_over_time() or the right-hand arm of `unless`.
    may_be_empty: bool


def selector_uses(expr: str) -> list[SelectorUse]:
    """Return every vector selector of expr, telling from the AST which may be empty."""
    found: list[SelectorUse] = []
    _visit(parse(expr), False, found)
    return found


def _visit(node: Any, may_be_empty: bool, found: list[SelectorUse]) -> None:
    if isinstance(node, promql_parser.VectorSelector):
        # Re-parse the node's own text so obs' one converter builds the Selector.
        (selector,) = selectors(str(node))
        found.append(SelectorUse(selector, may_be_empty))
    elif isinstance(node, promql_parser.MatrixSelector):
        _visit(node.vector_selector, may_be_empty, found)
    elif isinstance(node, promql_parser.Call):
        inner = may_be_empty or node.func.name in EMPTY_OK_FUNCTIONS
        for arg in node.args:
            _visit(arg, inner, found)
    elif isinstance(node, promql_parser.BinaryExpr):
        _visit(node.lhs, may_be_empty, found)
        _visit(node.rhs, may_be_empty or str(node.op) == "unless", found)
    elif isinstance(node, promql_parser.AggregateExpr):
        _visit(node.expr, may_be_empty, found)
        _visit(node.param, may_be_empty, found)
    elif isinstance(
        node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr
    ):
        _visit(node.expr, may_be_empty, found)
    # Literals (and a missing aggregation parameter) hold no selector.


@dataclass(frozen=True)
class Source:
    """One expression and who owns it (a rule, a dashboard panel, a runbook step)."""

    owner: str
    expr: str


@dataclass
class Wanted:
    """The selectors that must select at least one series, each with the owners that need it."""

    # Keyed by the selector as PromQL (offsets dropped: a live series is one that exists now).
    owners: dict[str, list[str]] = field(default_factory=dict)
    # Selectors that may be empty by design, kept for the evidence.
    exempt: dict[str, list[str]] = field(default_factory=dict)
    # Expressions that do not parse, named by owner.
    problems: list[str] = field(default_factory=list)

    def need(self, selector: Selector, owner: str, *, may_be_empty: bool = False) -> None:
        """Record that owner reads selector (required unless it may be empty by design)."""
        book = self.exempt if may_be_empty else self.owners
        owners = book.setdefault(selector.render(), [])
        if owner not in owners:
            owners.append(owner)

    def add(self, source: Source) -> None:
        """Record every selector of one source's expression."""
        try:
            uses = selector_uses(source.expr)
        except PromQLError as exc:
            self.problems.append(f"{source.owner}: {source.expr!r} does not parse: {exc}")
            return
        for use in uses:
            self.need(use.selector, source.owner, may_be_empty=use.may_be_empty)


def wanted_selectors(sources: Iterable[Source]) -> Wanted:
    """Collect the selectors of every source."""
    wanted = Wanted()
    for source in sources:
        wanted.add(source)
    return wanted


def count_query(selector: str) -> str:
    """Return the query that counts the live series a selector selects."""
    return f"count({selector})"


def series_count(result: list[dict[str, Any]]) -> int:
    """Return the number a count() answer holds (0 when it answers no sample)."""
    for sample in result:
        try:
            value = float(sample.get("value", [None, "NaN"])[1])
        except (TypeError, ValueError):
            continue
        if not math.isnan(value):
            return int(value)
    return 0


def _rule_owner(group: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    kind = "alert" if rule.get("type") == "alerting" else "recording rule"
    return f"{kind} {rule.get('name')!r} (group {group.get('name')!r}, {group.get('file')})"


def rule_sources(loaded_groups: list[dict[str, Any]]) -> list[Source]:
    """Return every loaded rule's expression, owned by the rule (as /api/v1/rules lists them)."""
    return [
        Source(_rule_owner(group, rule), str(rule.get("query", "")))
        for group in loaded_groups
        for rule in group.get("rules") or []
    ]


def recorded_outputs(loaded_groups: list[dict[str, Any]]) -> Wanted:
    """Return the series each recording rule writes: its name with its static labels."""
    wanted = Wanted()
    for group in loaded_groups:
        for rule in group.get("rules") or []:
            if rule.get("type") != "recording":
                continue
            labels = sorted((rule.get("labels") or {}).items())
            selector = Selector(
                str(rule.get("name")),
                tuple(LabelMatcher(name, "=", str(value)) for name, value in labels),
            )
            wanted.need(selector, _rule_owner(group, rule))
    return wanted


def empty_selector_problems(
    wanted: Wanted,
    counts: Mapping[str, int],
    errors: Mapping[str, str],
    evidence: Mapping[str, str],
) -> list[str]:
    """Return, per owner, every required selector that failed or selected no series.

    counts, errors and evidence are keyed by selector: its live series count, its query error,
    and the evidence file of its last query.
    """
    problems = list(wanted.problems)
    for selector, owners in wanted.owners.items():
        where = f" (evidence: {evidence[selector]})" if evidence.get(selector) else ""
        if selector in errors:
            cause = f"failed: {errors[selector]}"
        elif counts.get(selector, 0) == 0:
            cause = "selects no series"
        else:
            continue
        problems += [f"{owner}: selector {selector} {cause}{where}" for owner in owners]
    return problems
