"""The series an expression may select: catalog metrics, `up` and recording rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client.utils import floatToGoString

from obs.catalog.metrics import MetricSpec

# Labels Prometheus attaches to every scraped series; their values are not ours to bound.
TARGET_LABELS = ("instance", "job")

LabelValues = tuple[str, ...] | None  # None: any value is allowed


def le_value(bound: float) -> str:
    """Format a bucket bound exactly as the backend's prometheus_client exposes it."""
    return str(floatToGoString(bound))  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class SeriesSchema:
    """Known series names and, for each, its label names and allowed values."""

    series: Mapping[str, Mapping[str, LabelValues]] = field(default_factory=dict)

    def labels(self, name: str) -> Mapping[str, LabelValues] | None:
        """Return the label set of `name`, or None if the series is unknown."""
        return self.series.get(name)

    def with_recorded(
        self, names: Iterable[str], labels: Mapping[str, LabelValues]
    ) -> SeriesSchema:
        """Return a schema that also knows the given recording-rule series."""
        extra = {name: dict(labels) for name in names}
        return SeriesSchema({**self.series, **extra})


def scraped_schema(metrics: Iterable[MetricSpec]) -> SeriesSchema:
    """Build the schema of everything a scrape of the backend produces, plus `up`."""
    target: dict[str, LabelValues] = dict.fromkeys(TARGET_LABELS)
    series: dict[str, Mapping[str, LabelValues]] = {"up": dict(target)}
    for spec in metrics:
        base: dict[str, LabelValues] = {
            name: (values if values else None) for name, values in spec.labels.items()
        }
        base.update(target)
        for name in spec.series_names():
            labels = dict(base)
            if name.endswith("_bucket") and spec.type == "histogram":
                labels["le"] = (*(le_value(b) for b in spec.buckets), "+Inf")
            series[name] = labels
    return SeriesSchema(series)
