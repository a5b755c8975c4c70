"""Typed model of the catalog's `metrics` section."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from obs.catalog.errors import CatalogError

MetricType = Literal["counter", "gauge", "histogram", "info"]
METRIC_TYPES: tuple[MetricType, ...] = ("counter", "gauge", "histogram", "info")
METRIC_PREFIX = "techno_"
# Prometheus owns `up`; exporting our own would shadow the scrape health signal.
RESERVED_NAMES = frozenset({"up"})
RUNTIME_VALUE = "runtime"
_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
_LABEL_RE = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its name, type, unit, help text and bounded label values."""

    name: str
    type: MetricType
    unit: str
    help: str
    # Label name -> allowed values; an `info` metric's labels map to () because
    # their single value is only known at start.
    labels: Mapping[str, tuple[str, ...]]
    buckets: tuple[float, ...] = ()

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(self.labels)

    @property
    def base_name(self) -> str:
        """Name without the `_total` suffix, as prometheus_client wants for counters."""
        if self.type == "counter":
            return self.name.removesuffix("_total")
        return self.name.removesuffix("_info") if self.type == "info" else self.name

    def label_combinations(self) -> Iterator[dict[str, str]]:
        """Every bounded label combination (the cartesian product of allowed values)."""
        names = self.label_names
        for values in itertools.product(*(self.labels[n] for n in names)):
            yield dict(zip(names, values, strict=True))

    def series_names(self) -> tuple[str, ...]:
        """The sample names this metric exposes in the text format."""
        if self.type == "histogram":
            return (f"{self.name}_bucket", f"{self.name}_count", f"{self.name}_sum")
        return (self.name,)


def parse_metrics(raw: Any, path: Path) -> tuple[MetricSpec, ...]:
    """Validate the raw `metrics` list and return typed specs."""
    if not isinstance(raw, list) or not raw:
        raise CatalogError(path, "metrics", "metrics", "must be a non-empty list")
    specs: list[MetricSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        spec = _parse_metric(item, index, path)
        if spec.name in seen:
            raise CatalogError(path, f"metrics[{spec.name}]", "name", "duplicate metric name")
        seen.add(spec.name)
        specs.append(spec)
    return tuple(specs)


def _parse_metric(item: Any, index: int, path: Path) -> MetricSpec:
    entry = f"metrics[{index}]"
    if not isinstance(item, dict):
        raise CatalogError(path, entry, "-", "must be a mapping")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise CatalogError(path, entry, "name", f"must match {_NAME_RE.pattern}, got {name!r}")
    entry = f"metrics[{name}]"
    if name in RESERVED_NAMES:
        raise CatalogError(path, entry, "name", "is reserved for Prometheus itself")
    if not name.startswith(METRIC_PREFIX):
        raise CatalogError(path, entry, "name", f"must start with '{METRIC_PREFIX}'")
    mtype = item.get("type")
    if mtype not in METRIC_TYPES:
        raise CatalogError(
            path, entry, "type", f"must be one of {list(METRIC_TYPES)}, got {mtype!r}"
        )
    if mtype == "counter" and not name.endswith("_total"):
        raise CatalogError(path, entry, "name", "a counter's name must end in '_total'")
    if mtype != "counter" and name.endswith("_total"):
        raise CatalogError(path, entry, "name", "only counters may end in '_total'")
    if mtype == "info" and not name.endswith("_info"):
        raise CatalogError(path, entry, "name", "an info metric's name must end in '_info'")
    if mtype == "histogram" and not name.endswith("_seconds") and item.get("unit") == "seconds":
        raise CatalogError(path, entry, "name", "a histogram in seconds must end in '_seconds'")
    for text_field in ("unit", "help"):
        value = item.get(text_field)
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(path, entry, text_field, "must be a non-empty string")
    labels = _parse_labels(item.get("labels", {}), mtype, entry, path)
    buckets = _parse_buckets(item.get("buckets"), mtype, entry, path)
    return MetricSpec(
        name=name,
        type=mtype,
        unit=item["unit"],
        help=item["help"].strip(),
        labels=labels,
        buckets=buckets,
    )


def _parse_labels(raw: Any, mtype: str, entry: str, path: Path) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise CatalogError(path, entry, "labels", "must be a mapping of label name to values")
    labels: dict[str, tuple[str, ...]] = {}
    for label, values in raw.items():
        field = f"labels.{label}"
        if not isinstance(label, str) or not _LABEL_RE.match(label) or label.startswith("__"):
            raise CatalogError(path, entry, field, "is not a valid label name")
        if label in {"le", "quantile", "job", "instance"}:
            raise CatalogError(path, entry, field, "is reserved by Prometheus")
        if mtype == "info":
            if values != RUNTIME_VALUE:
                raise CatalogError(
                    path, entry, field, f"an info label's value must be '{RUNTIME_VALUE}'"
                )
            labels[label] = ()
            continue
        if not isinstance(values, list) or not values:
            raise CatalogError(path, entry, field, "must be a non-empty list of allowed values")
        if not all(isinstance(v, str) for v in values):
            raise CatalogError(path, entry, field, "allowed values must be strings (quote numbers)")
        if len(set(values)) != len(values):
            raise CatalogError(path, entry, field, "allowed values repeat")
        labels[label] = tuple(values)
    return labels


def _parse_buckets(raw: Any, mtype: str, entry: str, path: Path) -> tuple[float, ...]:
    if mtype != "histogram":
        if raw is not None:
            raise CatalogError(path, entry, "buckets", "only histograms have buckets")
        return ()
    if not isinstance(raw, list) or not raw:
        raise CatalogError(path, entry, "buckets", "a histogram needs a non-empty bucket list")
    if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in raw):
        raise CatalogError(path, entry, "buckets", "buckets must be numbers")
    buckets = tuple(float(b) for b in raw)
    if list(buckets) != sorted(set(buckets)):
        raise CatalogError(path, entry, "buckets", "buckets must be strictly increasing")
    return buckets
