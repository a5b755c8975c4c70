"""Render Prometheus rule files and their promtool unit tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from obs.catalog import Catalog, CatalogError
from obs.catalog.alerts import AlertSpec
from obs.catalog.slos import RECORDED_PREFIX
from obs.generate.fixtures import Case, cases
from obs.generate.render import render
from obs.generate.timescale import (
    expression_ranges_ms,
    format_duration,
    scale_duration,
    scale_expression,
)

DRILL_RULES_DIR = "alerts/drill"
DRILL_GROUP_SUFFIX = "-drill"

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
        "dashboard_url": catalog.dashboard_url(alert),
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


def _rule_file_views(
    catalog: Catalog, group: str, alerts: list[AlertSpec]
) -> tuple[list[RecordingRule], list[dict[str, str]]]:
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
    return _recording(catalog, group), views


def render_rule_files(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for every rule file under alerts/."""
    for group, alerts in sorted(_groups(catalog).items()):
        recording, views = _rule_file_views(catalog, group, alerts)
        text = render(
            "rules.yml.j2",
            group_name=f"techno-{group}",
            recording=recording,
            alerts=views,
            interval=None,
            drill_note=None,
        )
        yield f"alerts/{group}.yml", text


def render_drill_rule_files(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for the drill copy of every rule file, under alerts/drill/.

    Identical to the real rules but for the group name and interval, and every range and
    `for` divided by the drill scale; a scaled range too short to hold enough scrapes is
    an error naming the alert (or recording rule).
    """
    drill = catalog.drill
    note = (
        f"Fire-drill copy: every range and `for` of alerts/{{group}}.yml divided by "
        f"{drill.scale}; evaluated every {drill.evaluation_interval}. Never deploy it."
    )
    for group, alerts in sorted(_groups(catalog).items()):
        recording, views = _rule_file_views(catalog, group, alerts)
        scaled_recording = []
        for rule in recording:
            expr = scaled_expression(rule.expr, catalog, f"recording rule {rule.record}")
            scaled_recording.append(RecordingRule(rule.record, expr, rule.labels))
        for view in views:
            view["expr"] = scaled_expression(view["expr"], catalog, f"alert {view['name']}")
            view["for_"] = scale_duration(view["for_"], drill.scale)
        text = render(
            "rules.yml.j2",
            group_name=drill_group_name(f"techno-{group}"),
            recording=scaled_recording,
            alerts=views,
            interval=drill.evaluation_interval,
            drill_note=note.replace("{group}", group),
        )
        yield f"{DRILL_RULES_DIR}/{group}.yml", text


def drill_group_name(group: str) -> str:
    """Return the drill copy's name of a rule group, so both can be told apart when loaded."""
    return f"{group}{DRILL_GROUP_SUFFIX}"


def scaled_expression(expr: str, catalog: Catalog, what: str) -> str:
    """Scale expr for the drill, refusing a range that would hold too few scrapes."""
    drill = catalog.drill
    scaled = scale_expression(expr, drill.scale)
    floor_ms = round(drill.scrape_seconds * 1000) * drill.min_samples
    for original, short in zip(
        expression_ranges_ms(expr), expression_ranges_ms(scaled), strict=True
    ):
        if short < floor_ms:
            raise CatalogError(
                catalog.path,
                "drill",
                "scale",
                f"{what}: range {format_duration(original)} becomes {format_duration(short)} at "
                f"scale {drill.scale}, under {drill.min_samples} scrapes of "
                f"{drill.scrape_interval}: the drill could never reach its threshold; lower "
                "drill.scale or drill.scrape_interval",
            )
    return scaled


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
