"""Catalog drift: the live exposition holds exactly the catalog's metrics, labels and values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from obs.catalog import Catalog, MetricSpec

# The classic text format shows an Info metric as a gauge named `<base>_info`.
_FAMILY_TYPES = {
    "counter": {"counter"},
    "gauge": {"gauge"},
    "histogram": {"histogram"},
    "info": {"gauge", "info"},
}


def _family_name(spec: MetricSpec) -> str:
    return spec.name.removesuffix("_total") if spec.type == "counter" else spec.name


def _bucket_bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(float(value))


Families = dict[str, Metric]


def parse_exposition(exposition: str) -> Families:
    """Parse a Prometheus text exposition into metric families by name."""
    return {family.name: family for family in text_string_to_metric_families(exposition)}


def metric_set_problems(families: Families, catalog: Catalog) -> list[str]:
    """Return catalog metrics that are missing or mistyped, and exposed metrics it lacks."""
    expected = {_family_name(spec): spec for spec in catalog.metrics}
    problems = [
        f"metric {name!r} is exposed but not in the catalog"
        for name in sorted(set(families) - set(expected))
    ]
    for family_name, spec in expected.items():
        family = families.get(family_name)
        if family is None:
            problems.append(f"catalog metric {spec.name!r} is not exposed")
        elif family.type not in _FAMILY_TYPES[spec.type]:
            problems.append(f"{spec.name}: exposed as {family.type}, catalog says {spec.type}")
    return problems


def label_set_problems(families: Families, catalog: Catalog) -> list[str]:
    """Return every series, label name or label value that differs from the catalog."""
    problems: list[str] = []
    for spec in catalog.metrics:
        family = families.get(_family_name(spec))
        if family is not None:
            problems += _sample_problems(spec, family.samples)
    return problems


def _sample_problems(spec: MetricSpec, samples: Sequence[Sample]) -> list[str]:
    problems: list[str] = []
    allowed_names = set(spec.series_names())
    combos: set[tuple[tuple[str, str], ...]] = set()
    buckets: dict[tuple[tuple[str, str], ...], set[str]] = defaultdict(set)
    for sample in samples:
        if sample.name not in allowed_names:
            problems.append(f"{spec.name}: unexpected series {sample.name!r}")
            continue
        labels = dict(sample.labels)
        bound = labels.pop("le", None)
        if set(labels) != set(spec.label_names):
            problems.append(
                f"{sample.name}: label names {sorted(labels)} differ from the catalog's "
                f"{sorted(spec.label_names)}"
            )
            continue
        key = tuple(sorted(labels.items()))
        combos.add(key)
        if bound is not None:
            buckets[key].add(_bucket_bound(float(bound)))
    if spec.type == "info":
        if len(combos) != 1 or any(not value for _, value in next(iter(combos), ())):
            problems.append(
                f"{spec.name}: expected one series with non-empty labels, got {len(combos)}"
            )
        return problems
    wanted = {tuple(sorted(c.items())) for c in spec.label_combinations()}
    for combo in sorted(wanted - combos):
        problems.append(f"{spec.name}: label combination {dict(combo)} is missing")
    for combo in sorted(combos - wanted):
        problems.append(f"{spec.name}: label combination {dict(combo)} is not in the catalog")
    if spec.type == "histogram":
        expected_bounds = {_bucket_bound(b) for b in spec.buckets} | {"+Inf"}
        for combo, bounds in sorted(buckets.items()):
            if bounds != expected_bounds:
                problems.append(
                    f"{spec.name}{dict(combo)}: buckets {sorted(bounds)} differ from the catalog's"
                )
                break
    return problems
