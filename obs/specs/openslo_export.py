"""Write the catalog's SLOs as OpenSLO v1 documents that `obs import openslo` reads back."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import yaml

from obs.catalog.loader import Catalog
from obs.catalog.slos import BURN_POLICIES, SloSpec
from obs.specs.entries import DRILL_ANNOTATION, RUNBOOK_ANNOTATION, spec_name

API_VERSION = "openslo/v1"


def export_openslo(catalog: Catalog) -> list[dict[str, Any]]:
    """Return an SLO document per catalog SLO, followed by its burn-rate AlertPolicies."""
    documents: list[dict[str, Any]] = []
    for slo in catalog.slos:
        policies = _policies(slo)
        documents.append(_slo(slo, catalog.service.name, [p["metadata"]["name"] for p in policies]))
        documents.extend(policies)
    return documents


class _Dumper(yaml.SafeDumper):
    """Write multi-line strings (the runbook annotation) as readable literal blocks."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_documents(documents: list[dict[str, Any]]) -> str:
    """Render documents as one multi-document YAML stream, byte-stable."""
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=96)


def _source(query: str) -> dict[str, Any]:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


def _slo(slo: SloSpec, service: str, policies: list[str]) -> dict[str, Any]:
    if slo.errors is not None:
        events = {"bad": _source(slo.errors.render())}
    else:
        events = {"good": _source(slo.good_selector().render())}
    runbook = asdict(slo.runbook)
    return {
        "apiVersion": API_VERSION,
        "kind": "SLO",
        "metadata": {
            "name": spec_name(slo.name),
            "annotations": {
                DRILL_ANNOTATION: slo.drill,
                RUNBOOK_ANNOTATION: yaml.safe_dump(
                    _lists(runbook), sort_keys=False, allow_unicode=True, width=96
                ),
            },
        },
        "spec": {
            "description": slo.description,
            "service": service,
            "indicator": {
                "metadata": {"name": f"{spec_name(slo.name)}-sli"},
                "spec": {
                    "ratioMetric": {
                        "counter": True,
                        **events,
                        "total": _source(slo.total.render()),
                    }
                },
            },
            "timeWindow": [{"duration": slo.period, "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": [{"target": slo.objective}],
            "alertPolicies": policies,
        },
    }


def _lists(value: Any) -> Any:
    """Turn the runbook's tuples into lists so YAML writes plain sequences."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def _policies(slo: SloSpec) -> list[dict[str, Any]]:
    result = []
    for policy in BURN_POLICIES:
        for window in policy.windows:
            name = f"{spec_name(slo.name)}-{policy.severity}-{window.long}"
            condition = {
                "kind": "burnrate",
                "op": "gt",
                "threshold": window.factor,
                "lookbackWindow": window.long,
                "alertAfter": policy.for_,
            }
            result.append(
                {
                    "apiVersion": API_VERSION,
                    "kind": "AlertPolicy",
                    "metadata": {"name": name},
                    "spec": {
                        "description": f"{slo.alert_name(policy)}: {window.long}/{window.short} "
                        f"windows above {window.factor}x the budget",
                        "alertWhenNoData": False,
                        "alertWhenResolved": True,
                        "alertWhenBreaching": True,
                        "conditions": [
                            {
                                "kind": "AlertCondition",
                                "metadata": {"name": f"{name}-burn"},
                                "spec": {"severity": policy.severity, "condition": condition},
                            }
                        ],
                        "notificationTargets": [{"targetRef": policy.severity}],
                    },
                }
            )
    return result
