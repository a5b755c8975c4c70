"""The PromQL selector extractor finds every series and matcher an expression reads."""

from __future__ import annotations

import pytest

from obs.catalog.expressions import (
    LabelMatcher,
    PromQLError,
    Selector,
    grafana_to_promql,
    selectors,
)


def test_extracts_selectors_from_functions_aggregations_and_binary_ops() -> None:
    expr = (
        'sum by (route) (rate(techno_http_requests_total{status=~"5..",route!="/metrics"}[5m]))'
        " / on(route) sum by (route) (rate(techno_http_requests_total[5m]))"
        ' or absent(up{job="techno-backend"})'
    )
    assert selectors(expr) == (
        Selector(
            "techno_http_requests_total",
            (LabelMatcher("status", "=~", "5.."), LabelMatcher("route", "!=", "/metrics")),
        ),
        Selector("techno_http_requests_total", ()),
        Selector("up", (LabelMatcher("job", "=", "techno-backend"),)),
    )


def test_reads_metric_name_from_name_matcher() -> None:
    assert selectors('{__name__="techno_requests_in_flight"}') == (
        Selector("techno_requests_in_flight", ()),
    )


def test_grafana_range_variables_become_parseable() -> None:
    expr = grafana_to_promql("rate(x_total[$__rate_interval]) + rate(y_total[$__interval])")
    assert [s.metric for s in selectors(expr)] == ["x_total", "y_total"]


def test_invalid_promql_raises_with_the_parser_message() -> None:
    with pytest.raises(PromQLError, match="parenthesis"):
        selectors("sum(rate(x_total[5m])")


@pytest.mark.parametrize(
    ("matcher", "value", "expected"),
    [
        (LabelMatcher("status", "=~", "5.."), "503", True),
        (LabelMatcher("status", "=~", "5.."), "5030", False),  # regexes are fully anchored
        (LabelMatcher("status", "!~", "5.."), "200", True),
        (LabelMatcher("outcome", "!=", "success"), "success", False),
    ],
)
def test_matchers_follow_prometheus_semantics(
    matcher: LabelMatcher, value: str, expected: bool
) -> None:
    assert matcher.matches(value) is expected


def test_render_round_trips_through_the_parser() -> None:
    selector = Selector("m_total", (LabelMatcher("a", "=~", 'x|"y"'),))
    assert selectors(selector.render()) == (selector,)
