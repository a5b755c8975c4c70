"""Map OpenSLO v1 SLO documents (with their SLIs and AlertPolicies) to catalog SLO entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from obs.catalog.numbers import promql_number
from obs.catalog.slos import BURN_POLICIES
from obs.specs.documents import read_documents
from obs.specs.entries import DRILL_ANNOTATION, RUNBOOK_ANNOTATION, build_entry, catalog_name
from obs.specs.errors import DocRef, SpecError
from obs.specs.openslo_schema import check_schema
from obs.specs.queries import counter_of, histogram_total, parse_query, ratio_fields

# Burn-rate conditions the catalog generates: (severity, lookback, factor) -> alertAfter.
SUPPORTED_BURNS = {
    (p.severity, w.long, float(w.factor)): p.for_ for p in BURN_POLICIES for w in p.windows
}
_ROLLING_UNITS = ("m", "h", "d", "w")


@dataclass(frozen=True)
class _Found:
    ref: DocRef
    doc: dict[str, Any]


class _Documents:
    """Every document of the files given, by kind and name, so references resolve."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.all: list[_Found] = []
        for path in paths:
            for ref, doc in read_documents(path):
                check_schema(doc, ref)
                self.all.append(_Found(ref, doc))

    def named(self, kind: str, name: str, ref: DocRef, field: str) -> _Found:
        for found in self.all:
            if found.doc["kind"] == kind and found.doc["metadata"]["name"] == name:
                return found
        raise ref.error(field, f"no {kind} document named {name!r} in the files given")


def import_openslo(paths: Sequence[Path], service: str) -> list[dict[str, Any]]:
    """Return the catalog entries of every `SLO` document in `paths`."""
    documents = _Documents(paths)
    slos = [found for found in documents.all if found.doc["kind"] == "SLO"]
    if not slos:
        raise SpecError(paths[0], "-", "kind", "no document of kind SLO in the files given")
    return [_slo_entry(found.ref, found.doc, documents, service) for found in slos]


def _slo_entry(ref: DocRef, doc: dict[str, Any], docs: _Documents, service: str) -> dict[str, Any]:
    meta, spec = doc["metadata"], doc["spec"]
    name = catalog_name(meta["name"], ref, "metadata.name")
    if spec["service"] != service:
        raise ref.error("spec.service", f"the catalog describes service {service!r} only")
    if spec["budgetingMethod"] != "Occurrences":
        raise ref.error("spec.budgetingMethod", "the catalog counts Occurrences, not Timeslices")
    objectives = spec["objectives"]
    if len(objectives) != 1:
        raise ref.error("spec.objectives", "the catalog keeps exactly one objective per SLO")
    target = objectives[0]["target"]
    if not 0 < target < 1:
        raise ref.error("spec.objectives[0].target", f"must be above 0, got {target!r}")
    metric = _indicator(ref, spec, docs)
    annotations = meta.get("annotations") or {}
    description = spec.get("description") or meta.get("displayName")
    if not description:
        raise ref.error("spec.description", "is required: every catalog SLO says what it counts")
    for index, policy in enumerate(spec.get("alertPolicies") or []):
        _check_policy(docs.named("AlertPolicy", policy, ref, f"spec.alertPolicies[{index}]"), docs)
    return build_entry(
        name,
        metric,
        description=" ".join(description.split()),
        objective=float(target),
        period=_period(ref, spec),
        drill=annotations.get(DRILL_ANNOTATION),
        runbook=_runbook(ref, annotations),
    )


def _period(ref: DocRef, spec: dict[str, Any]) -> str:
    windows = spec.get("timeWindow") or []
    if not windows:
        raise ref.error("spec.timeWindow", "is required: the catalog needs the SLO's period")
    window = windows[0]
    if window.get("isRolling") is not True:
        raise ref.error(
            "spec.timeWindow[0].isRolling", "calendar windows cannot be mapped: periods roll"
        )
    duration = str(window["duration"])
    if not duration.endswith(_ROLLING_UNITS):
        raise ref.error(
            "spec.timeWindow[0].duration",
            f"{duration!r}: months, quarters and years are not Prometheus durations",
        )
    return duration


def _indicator(ref: DocRef, spec: dict[str, Any], docs: _Documents) -> dict[str, Any]:
    if "indicator" in spec:
        sli_ref, sli, prefix = ref, spec["indicator"]["spec"], "spec.indicator.spec"
    else:
        found = docs.named("SLI", spec["indicatorRef"], ref, "spec.indicatorRef")
        sli_ref, sli, prefix = found.ref, found.doc["spec"], "spec"
    if "thresholdMetric" in sli:
        field = f"{prefix}.thresholdMetric.metricSource"
        selector = _source(sli_ref, sli["thresholdMetric"]["metricSource"], field, docs)
        objective = spec["objectives"][0]
        if objective.get("op") not in ("lte", "lt"):
            raise ref.error(
                "spec.objectives[0].op", "a threshold maps to a latency SLO only as lte/lt"
            )
        fields = histogram_total(selector, objective.get("value"), ref, "spec.objectives[0].value")
        return {"kind": "latency", **fields}
    ratio = sli["ratioMetric"]
    if ratio["counter"] is not True:
        raise ref.error(f"{prefix}.ratioMetric.counter", "the catalog rates counters: set true")
    roles = {
        role: _source(
            sli_ref, ratio[role]["metricSource"], f"{prefix}.ratioMetric.{role}.metricSource", docs
        )
        for role in ("good", "bad", "total")
        if role in ratio
    }
    return ratio_fields(
        sli_ref,
        roles.pop("total"),
        bad=roles.get("bad"),
        good=roles.get("good"),
        field=f"{prefix}.ratioMetric.{next(iter(roles))}.metricSource.spec.query",
    )


def _source(ref: DocRef, source: dict[str, Any], field: str, docs: _Documents) -> Any:
    kind = source.get("type")
    if "metricSourceRef" in source:
        found = docs.named("DataSource", source["metricSourceRef"], ref, f"{field}.metricSourceRef")
        kind = found.doc["spec"].get("type")
    if str(kind).lower() != "prometheus":
        raise ref.error(f"{field}.type", f"only Prometheus sources map, got {kind!r}")
    query_field = f"{field}.spec.query"
    return counter_of(parse_query(source["spec"].get("query"), ref, query_field), ref, query_field)


def _runbook(ref: DocRef, annotations: dict[str, Any]) -> dict[str, Any] | None:
    text = annotations.get(RUNBOOK_ANNOTATION)
    if text is None:
        return None
    field = f"metadata.annotations.{RUNBOOK_ANNOTATION}"
    try:
        runbook = yaml.safe_load(str(text))
    except yaml.YAMLError as exc:
        raise ref.error(field, f"not valid YAML: {exc}") from exc
    if not isinstance(runbook, dict):
        raise ref.error(field, "must hold the catalog runbook mapping as YAML")
    return runbook


def _check_policy(policy: _Found, docs: _Documents) -> None:
    """Accept an AlertPolicy only if its burn-rate conditions are ones the catalog generates."""
    for index, item in enumerate(policy.doc["spec"]["conditions"]):
        ref, field = policy.ref, f"spec.conditions[{index}].spec"
        if "conditionRef" in item:
            found = docs.named(
                "AlertCondition", item["conditionRef"], ref, f"spec.conditions[{index}]"
            )
            ref, field, item = found.ref, "spec", found.doc
        severity, condition = item["spec"]["severity"], item["spec"]["condition"]
        key = (
            severity,
            condition.get("lookbackWindow"),
            float(Decimal(str(condition.get("threshold")))),
        )
        after = SUPPORTED_BURNS.get(key)
        if condition.get("kind") != "burnrate" or condition.get("op") not in ("gt", "gte"):
            raise ref.error(f"{field}.condition", "the catalog alerts on burn rates above a factor")
        if after is None or condition.get("alertAfter") != after:
            supported = [
                f"{s} {w} x{promql_number(f)} after {a}" for (s, w, f), a in SUPPORTED_BURNS.items()
            ]
            raise ref.error(
                f"{field}.condition",
                f"the catalog generates these burn-rate alerts only: {supported}",
            )
