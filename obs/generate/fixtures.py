"""Synthesise promtool input series that make an alert fire, or keep it silent."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from obs.catalog import Catalog
from obs.catalog.alert_kinds import (
    Always,
    BurnRate,
    QuantileAbove,
    RateAbove,
    RatioAbove,
    TargetAbsent,
    TargetDown,
)
from obs.catalog.alerts import AlertSpec
from obs.catalog.combos import TEST_INSTANCE, bad_and_good, first_label_set, metric_of
from obs.catalog.expressions import Selector
from obs.catalog.fields import seconds
from obs.catalog.series import le_value
from obs.catalog.slos import BURN_POLICIES, SloSpec

# Events per minute in synthetic traffic: large enough that every SLO ratio is a whole count.
TRAFFIC = 10_000
STEP_SECONDS = 60


@dataclass(frozen=True)
class Series:
    """One promtool input series in expanding notation."""

    selector: str
    values: str


@dataclass(frozen=True)
class Case:
    """One promtool test: input series, when to look, and the alert expected (if any)."""

    name: str
    series: tuple[Series, ...]
    eval_minutes: int
    labels: dict[str, str] | None  # None: the alert must stay silent


def _selector(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{labels[k]}"' for k in sorted(labels))
    return f"{name}{{{inner}}}"


def _counter(name: str, labels: dict[str, str], per_minute: int, steps: int) -> Series:
    return Series(_selector(name, labels), f"0+{per_minute}x{steps}")


def _minutes(duration: str) -> int:
    return math.ceil(seconds(duration) / STEP_SECONDS)


def cases(alert: AlertSpec, catalog: Catalog) -> tuple[Case, Case]:
    """Return a firing case and a silent case for `alert` (an `always` alert: two firing)."""
    builder = _BUILDERS[type(alert.rule)]
    return builder(alert, catalog, True), builder(alert, catalog, False)


def _eval_minutes(alert: AlertSpec, window: str | None) -> int:
    # First sample pair, the whole window, the `for` hold, and one spare evaluation.
    return (_minutes(window) if window else 0) + _minutes(alert.for_) + 2


def _target_down(alert: AlertSpec, catalog: Catalog, fires: bool) -> Case:
    labels = {"job": catalog.service.job, "instance": TEST_INSTANCE}
    minutes = _eval_minutes(alert, None)
    value = "0" if fires else "1"
    series = Series(_selector("up", labels), f"{value}x{minutes + 1}")
    name = "scrape fails" if fires else "scrape succeeds"
    return Case(name, (series,), minutes, labels if fires else None)


def _target_absent(alert: AlertSpec, catalog: Catalog, fires: bool) -> Case:
    job = catalog.service.job
    other = {"job": f"not-{job}", "instance": TEST_INSTANCE}
    own = {"job": job, "instance": TEST_INSTANCE}
    minutes = _eval_minutes(alert, None)
    labels = other if fires else own
    series = Series(_selector("up", labels), f"1x{minutes + 1}")
    name = "only another job is scraped" if fires else "the job has a target"
    return Case(name, (series,), minutes, {"job": job} if fires else None)


def _always(alert: AlertSpec, catalog: Catalog, quiet: bool) -> Case:
    # It has no silent case: it must fire with no series at all, and with the backend down.
    minutes = _eval_minutes(alert, None)
    if quiet:
        return Case("no series at all", (), minutes, {})
    labels = {"job": catalog.service.job, "instance": TEST_INSTANCE}
    series = Series(_selector("up", labels), f"0x{minutes + 1}")
    return Case("the backend is down too", (series,), minutes, {})


def _ratio_above(alert: AlertSpec, catalog: Catalog, fires: bool) -> Case:
    rule = alert.rule
    assert isinstance(rule, RatioAbove)
    metric = metric_of(rule.numerator.metric, catalog.metrics)
    assert metric is not None
    pair = bad_and_good(rule.numerator, rule.denominator, metric, catalog.service.job, rule.by)
    assert pair is not None, "validated when the catalog loaded"
    bad, good = pair
    ratio = (1 + rule.threshold) / 2 if fires else rule.threshold / 2
    bad_count = round(TRAFFIC * ratio)
    minutes = _eval_minutes(alert, rule.window)
    series = (
        _counter(rule.numerator.metric, bad, bad_count, minutes),
        _counter(rule.numerator.metric, good, TRAFFIC - bad_count, minutes),
    )
    name = f"{ratio:.4g} of events are bad"
    return Case(name, series, minutes, _pick(bad, rule.by) if fires else None)


def _rate_above(alert: AlertSpec, catalog: Catalog, fires: bool) -> Case:
    rule = alert.rule
    assert isinstance(rule, RateAbove)
    labels = _first_selected(rule.selector, catalog)
    per_minute = (
        max(1, math.ceil(rule.threshold * 2 * STEP_SECONDS))
        if fires
        else math.floor(rule.threshold / 2 * STEP_SECONDS)
    )
    minutes = _eval_minutes(alert, rule.window)
    series = (_counter(rule.selector.metric, labels, per_minute, minutes),)
    name = f"{per_minute} events per minute"
    return Case(name, series, minutes, _pick(labels, rule.by) if fires else None)


def _quantile_above(alert: AlertSpec, catalog: Catalog, fires: bool) -> Case:
    rule = alert.rule
    assert isinstance(rule, QuantileAbove)
    labels = _first_selected(rule.selector, catalog)
    minutes = _eval_minutes(alert, rule.window)
    # Firing: every observation lands just above the threshold; silent: in the first bucket.
    slow = [b for b in rule.buckets if b > rule.threshold][:1]
    observed = slow[0] if fires and slow else rule.buckets[0]
    series = _histogram(rule.selector.metric, labels, {observed: TRAFFIC}, rule.buckets, minutes)
    name = f"all observations at {le_value(observed)}s"
    return Case(name, series, minutes, _pick(labels, rule.by) if fires else None)


def _histogram(
    bucket_name: str,
    labels: dict[str, str],
    observed: dict[float, int],
    buckets: tuple[float, ...],
    minutes: int,
) -> tuple[Series, ...]:
    """Cumulative bucket series for observations counted at given bucket bounds."""
    series = []
    for bound in (*buckets, math.inf):
        count = sum(n for at, n in observed.items() if at <= bound)
        series.append(_counter(bucket_name, {**labels, "le": le_value(bound)}, count, minutes))
    return tuple(series)


def _burn_rate(alert: AlertSpec, catalog: Catalog, fires: bool) -> Case:
    rule = alert.rule
    assert isinstance(rule, BurnRate)
    slo = next(s for s in catalog.slos if s.name == rule.slo)
    page, ticket = BURN_POLICIES
    policy = page if alert.severity == page.severity else ticket
    budget = 1 - slo.objective
    top = max(w.factor for w in policy.windows)
    # A page fires at 1.5x its fastest factor; a ticket at a burn between the ticket
    # and the page factors, which must leave the page silent (its silent case reuses it).
    if policy is page:
        factor = 1.5 * top if fires else (ticket.windows[0].factor + page.windows[1].factor) / 2
    else:
        factor = (ticket.windows[0].factor + page.windows[1].factor) / 2 if fires else 0.5
    bad_count = round(TRAFFIC * min(1.0, factor * budget))
    minutes = _minutes(policy.for_) + 10
    series = _slo_series(slo, catalog, bad_count, minutes)
    name = f"error budget burns at {factor:g}x"
    return Case(name, series, minutes, {"slo": slo.name} if fires else None)


def _slo_series(slo: SloSpec, catalog: Catalog, bad_count: int, minutes: int) -> tuple[Series, ...]:
    job = catalog.service.job
    metric = metric_of(slo.total.metric, catalog.metrics)
    assert metric is not None
    if slo.errors is not None:
        pair = bad_and_good(slo.errors, slo.total, metric, job)
        assert pair is not None, "validated when the catalog loaded"
        bad, good = pair
        return (
            _counter(slo.total.metric, bad, bad_count, minutes),
            _counter(slo.total.metric, good, TRAFFIC - bad_count, minutes),
        )
    assert slo.threshold_seconds is not None
    labels = _first_selected(slo.total, catalog)
    slow = next(b for b in metric.buckets if b > slo.threshold_seconds)
    observed = {metric.buckets[0]: TRAFFIC - bad_count, slow: bad_count}
    bucket_name = f"{metric.name}_bucket"
    return (
        *_histogram(bucket_name, labels, observed, metric.buckets, minutes),
        _counter(slo.total.metric, labels, TRAFFIC, minutes),
    )


def _first_selected(selector: Selector, catalog: Catalog) -> dict[str, str]:
    """The first label set a validated selector selects."""
    metric = metric_of(selector.metric, catalog.metrics)
    assert metric is not None, "validated when the catalog loaded"
    labels = first_label_set(selector, metric, catalog.service.job)
    assert labels is not None, "validated when the catalog loaded"
    return labels


def _pick(labels: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: labels[name] for name in names}


_BUILDERS: dict[type, Callable[[AlertSpec, Catalog, bool], Case]] = {
    TargetDown: _target_down,
    TargetAbsent: _target_absent,
    RatioAbove: _ratio_above,
    RateAbove: _rate_above,
    QuantileAbove: _quantile_above,
    BurnRate: _burn_rate,
    Always: _always,
}
