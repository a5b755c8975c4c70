"""Concrete label sets a selector picks out of a metric's bounded label values."""

from __future__ import annotations

from collections.abc import Iterator

from obs.catalog.expressions import Selector
from obs.catalog.metrics import MetricSpec

# The label values every synthetic series carries, as a scrape of the backend would add.
TEST_INSTANCE = "127.0.0.1:8080"


def metric_of(series: str, metrics: tuple[MetricSpec, ...]) -> MetricSpec | None:
    """Return the metric that exposes `series` (e.g. a histogram for `_bucket`)."""
    return next((m for m in metrics if series in m.series_names()), None)


def label_sets(selector: Selector, metric: MetricSpec, job: str) -> Iterator[dict[str, str]]:
    """Yield, in catalog order, every label set of `metric` that `selector` selects."""
    for combo in metric.label_combinations():
        labels = {**combo, "job": job, "instance": TEST_INSTANCE}
        if selector.matches(labels):
            yield labels


def first_label_set(selector: Selector, metric: MetricSpec, job: str) -> dict[str, str] | None:
    """Return the first selected label set, or None when the selector selects nothing."""
    return next(label_sets(selector, metric, job), None)


def bad_and_good(
    bad: Selector, total: Selector, metric: MetricSpec, job: str, same: tuple[str, ...] = ()
) -> tuple[dict[str, str], dict[str, str]] | None:
    """Pick a label set counted as bad and one counted only in the total.

    The two agree on the labels in `same`, so a `sum by (same)` ratio sees both.
    """
    for bad_labels in label_sets(bad, metric, job):
        if not total.matches(bad_labels):
            continue
        for good in label_sets(total, metric, job):
            if not bad.matches(good) and all(good[k] == bad_labels[k] for k in same):
                return bad_labels, good
    return None
