"""Turn the Prometheus queries of an SLO spec into the selectors a catalog SLO counts."""

from __future__ import annotations

from typing import Any

import promql_parser

from obs.catalog.expressions import LabelMatcher, PromQLError, Selector, parse, selector_from_node
from obs.catalog.series import le_value
from obs.specs.errors import DocRef

# Sloth writes `[{{.window}}]` where the rule's window goes; any valid range parses.
SLOTH_WINDOW = "{{.window}}"
_COUNTING = {"rate", "increase", "irate"}


def parse_query(query: Any, ref: DocRef, field: str) -> promql_parser.Expr:
    """Parse a spec's query, naming the field when it is missing or not PromQL."""
    if not isinstance(query, str) or not query.strip():
        raise ref.error(field, f"must be a non-empty PromQL query, got {query!r}")
    try:
        return parse(query.replace(SLOTH_WINDOW, "5m"))
    except PromQLError as exc:
        raise ref.error(field, f"not valid PromQL: {exc}") from exc


def counter_of(node: promql_parser.Expr, ref: DocRef, field: str) -> Selector:
    """Return the counter a query counts: `c`, `rate(c[w])` or `sum(rate(c[w]))`."""
    if isinstance(node, promql_parser.AggregateExpr) and str(node.op) == "sum":
        if node.modifier is not None:
            raise ref.error(field, "the catalog sums over every series; drop `by`/`without`")
        node = node.expr
    if isinstance(node, promql_parser.Call) and node.func.name in _COUNTING:
        node = node.args[0]
        if isinstance(node, promql_parser.MatrixSelector):
            node = node.vector_selector
    if not isinstance(node, promql_parser.VectorSelector):
        raise ref.error(
            field,
            "the catalog counts a plain counter: give `metric{...}`, `rate(metric{...}[w])` "
            "or `sum(rate(metric{...}[w]))`",
        )
    # The catalog's own reading of a selector, so both sides render it the same way.
    return selector_from_node(node)


def ratio_fields(
    ref: DocRef,
    total: Selector,
    *,
    bad: Selector | None = None,
    good: Selector | None = None,
    field: str,
) -> dict[str, Any]:
    """Map bad (or good) over total events to the catalog's availability or latency fields."""
    if bad is not None:
        if bad.metric != total.metric:
            raise ref.error(field, f"bad events must count the total's metric {total.metric!r}")
        return {"kind": "availability", "errors": bad.render(), "total": total.render()}
    assert good is not None
    return {"kind": "latency", **latency_fields(ref, good, total, field)}


def latency_fields(ref: DocRef, good: Selector, total: Selector, field: str) -> dict[str, Any]:
    """Map `h_bucket{..., le="T"}` over `h_count{...}` to threshold_seconds and total."""
    base = total.metric.removesuffix("_count")
    le = [m for m in good.matchers if m.name == "le"]
    rest = {m for m in good.matchers if m.name != "le"}
    if (
        not total.metric.endswith("_count")
        or good.metric != f"{base}_bucket"
        or len(le) != 1
        or le[0].op != "="
        or rest != set(total.matchers)
    ):
        raise ref.error(
            field,
            "the catalog counts good events only as a histogram bucket over its count: "
            f'h_bucket{{...,le="T"}} over h_count{{...}}; got {good.render()} over '
            f"{total.render()}",
        )
    try:
        threshold = float(le[0].value)
    except ValueError:
        raise ref.error(field, f"le={le[0].value!r} is not a number") from None
    return {"threshold_seconds": threshold, "total": total.render()}


def histogram_total(selector: Selector, value: Any, ref: DocRef, field: str) -> dict[str, Any]:
    """Map a threshold metric on a histogram and `value` seconds to a latency SLO's fields."""
    base = selector.metric.removesuffix("_bucket").removesuffix("_count")
    matchers = tuple(m for m in selector.matchers if m.name != "le")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ref.error(field, f"must be the latency threshold in seconds, got {value!r}")
    good_le = LabelMatcher("le", "=", le_value(value))
    good = Selector(f"{base}_bucket", (*matchers, good_le))
    return latency_fields(ref, good, Selector(f"{base}_count", matchers), field)
