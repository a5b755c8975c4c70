"""Render Prometheus rule files and their promtool unit tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from obs.catalog import Catalog
from obs.catalog.alerts import AlertSpec
from obs.catalog.slos import RECORDED_PREFIX
from obs.generate.fixtures import Case, cases
from obs.generate.render import render

_LABEL_REF_RE = re.compile(r"\{\{\s*\$labels\.(\w+)\s*\}\}")


@dataclass(frozen=True)
class RecordingRule:
    """One recording rule of an SLO error ratio."""

    record: str
    expr: str
    labels: dict[str, str]


def rule_file(alert: AlertSpec) -> str:
    """The file under alerts/ that holds an alert's group."""
    return f"{alert.group}.yml"


def alert_annotations(alert: AlertSpec, catalog: Catalog) -> dict[str, str]:
    """The annotations every alert carries."""
    return {
        "summary": alert.summary,
        "description": alert.description,
        "runbook_url": catalog.alerting.runbook_url(alert.name),
    }


def _groups(catalog: Catalog) -> dict[str, list[AlertSpec]]:
    groups: dict[str, list[AlertSpec]] = {}
    for alert in catalog.all_alerts:
        groups.setdefault(alert.group, []).append(alert)
    return groups


def _recording(catalog: Catalog, group: str) -> list[RecordingRule]:
    return [
        RecordingRule(f"{RECORDED_PREFIX}{window}", slo.error_ratio(window), {"slo": slo.name})
        for slo in catalog.slos
        if group == f"slo-{slo.name}"
        for window in slo.windows
    ]


def render_rule_files(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for every rule file under alerts/."""
    for group, alerts in sorted(_groups(catalog).items()):
        views = [
            {
                **alert_annotations(a, catalog),
                "name": a.name,
                "expr": a.expr(),
                "for_": a.for_,
                "severity": a.severity,
            }
            for a in alerts
        ]
        text = render(
            "rules.yml.j2",
            group_name=f"techno-{group}",
            recording=_recording(catalog, group),
            alerts=views,
        )
        yield f"alerts/{group}.yml", text


def _expand(text: str, labels: dict[str, str]) -> str:
    """Expand `{{ $labels.x }}` the way Prometheus will, for exact expectations."""
    return _LABEL_REF_RE.sub(lambda m: labels[m.group(1)], text)


def _case_view(case: Case, alert: AlertSpec, catalog: Catalog) -> dict[str, object]:
    view: dict[str, object] = {
        "name": case.name,
        "series": case.series,
        "eval_minutes": case.eval_minutes,
        "labels": case.labels,
    }
    if case.labels is not None:
        view["expected_labels"] = {**case.labels, "severity": alert.severity}
        view["expected_annotations"] = {
            key: _expand(value, case.labels)
            for key, value in alert_annotations(alert, catalog).items()
        }
    return view


def render_rule_tests(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for one promtool test file per alert under alerts/tests/."""
    for alert in catalog.all_alerts:
        text = render(
            "rule_test.yml.j2",
            alert=alert.name,
            rule_file=f"../{rule_file(alert)}",
            cases=[_case_view(c, alert, catalog) for c in cases(alert, catalog)],
        )
        yield f"alerts/tests/{alert.name}.yml", text
