"""Series check: which selectors must select something live, and how an empty one is reported."""

from __future__ import annotations

from typing import Any

import pytest

from contract.checks.series import (
    Source,
    empty_selector_problems,
    recorded_outputs,
    rule_sources,
    selector_uses,
    series_count,
    wanted_selectors,
)


def uses(expr: str) -> list[tuple[str, bool]]:
    return [(use.selector.render(), use.may_be_empty) for use in selector_uses(expr)]


def test_absent_and_absent_over_time_arguments_may_be_empty() -> None:
    assert uses('absent(up{job="techno-backend"}) or absent_over_time(x_total[5m])') == [
        ('up{job="techno-backend"}', True),
        ("x_total", True),
    ]


def test_only_the_right_arm_of_unless_may_be_empty() -> None:
    assert uses("sum by (a) (rate(x_total[5m])) unless on (a) (y > 0)") == [
        ("x_total", False),
        ("y", True),
    ]


def test_everything_inside_an_empty_arm_stays_empty_ok() -> None:
    assert uses("x unless sum(rate(y_total[5m]) / on() group_left z)") == [
        ("x", False),
        ("y_total", True),
        ("z", True),
    ]


def test_selectors_are_found_in_every_kind_of_node() -> None:
    expr = (
        "topk(scalar(k), -m) + max_over_time((v offset 1m)[5m:1m])"
        ' + label_replace(n, "a", "$1", "b", "(.*)") and on() absent(q) == 0'
    )
    # Offsets are dropped: a selector is proven by the series it selects now.
    assert uses(expr) == [
        ("m", False),
        ("k", False),
        ("v", False),
        ("n", False),
        ("q", True),
    ]


def test_a_name_matcher_becomes_the_metric() -> None:
    assert uses('{__name__="techno_requests_in_flight", job="b"}') == [
        ('techno_requests_in_flight{job="b"}', False)
    ]


def test_a_selector_needed_by_one_owner_and_exempt_for_another_is_required() -> None:
    wanted = wanted_selectors([Source("alert 'A'", "up == 0"), Source("alert 'B'", "absent(up)")])
    assert wanted.owners == {"up": ["alert 'A'"]}
    assert wanted.exempt == {"up": ["alert 'B'"]}


def test_an_expression_that_does_not_parse_is_a_problem_naming_its_owner() -> None:
    wanted = wanted_selectors([Source("runbooks/X.md Diagnosis step 1", "sum(rate(x[5m])")])
    assert wanted.owners == {}
    assert wanted.problems[0].startswith("runbooks/X.md Diagnosis step 1: 'sum(rate(x[5m])'")


LOADED: list[dict[str, Any]] = [
    {
        "name": "techno-traffic",
        "file": "/stack/alerts/traffic.yml",
        "rules": [
            {
                "name": "HighErrorRate",
                "type": "alerting",
                "query": 'sum(rate(techno_http_request_total{status=~"5.."}[5m])) > 0.05',
            },
            {
                "name": "techno:slo_errors:ratio_rate5m",
                "type": "recording",
                "query": "sum(rate(techno_http_requests_total[5m]))",
                "labels": {"slo": "availability"},
            },
        ],
    }
]


def test_a_misspelt_metric_names_the_alert_the_selector_and_the_evidence() -> None:
    wanted = wanted_selectors(rule_sources(LOADED))
    bad = 'techno_http_request_total{status=~"5.."}'
    problems = empty_selector_problems(
        wanted,
        counts={bad: 0, "techno_http_requests_total": 12},
        errors={},
        evidence={bad: "api/0042-get-api-v1-query.json"},
    )
    assert problems == [
        "alert 'HighErrorRate' (group 'techno-traffic', /stack/alerts/traffic.yml): "
        f"selector {bad} selects no series (evidence: api/0042-get-api-v1-query.json)"
    ]


def test_a_failed_count_query_is_reported_with_its_error() -> None:
    wanted = wanted_selectors([Source("dashboard 'd' panel 'p' target A", "x")])
    problems = empty_selector_problems(
        wanted, counts={}, errors={"x": "bad_data: boom"}, evidence={}
    )
    assert problems == ["dashboard 'd' panel 'p' target A: selector x failed: bad_data: boom"]


def test_a_recording_rule_is_proven_by_its_name_and_labels() -> None:
    wanted = recorded_outputs(LOADED)
    assert wanted.owners == {
        'techno:slo_errors:ratio_rate5m{slo="availability"}': [
            "recording rule 'techno:slo_errors:ratio_rate5m' "
            "(group 'techno-traffic', /stack/alerts/traffic.yml)"
        ]
    }
    problems = empty_selector_problems(wanted, counts={}, errors={}, evidence={})
    assert len(problems) == 1 and "selects no series" in problems[0]


@pytest.mark.parametrize(
    ("result", "count"),
    [([], 0), ([{"metric": {}, "value": [1.0, "3"]}], 3), ([{"value": [1.0, "NaN"]}], 0)],
)
def test_series_count_reads_a_count_answer(result: list[dict[str, Any]], count: int) -> None:
    assert series_count(result) == count
