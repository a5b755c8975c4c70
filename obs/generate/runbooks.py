"""Render one Markdown runbook per alert and the runbook index."""

from __future__ import annotations

from collections.abc import Iterator

from obs.catalog import Catalog
from obs.catalog.alert_kinds import QuantileAbove, RateAbove, RatioAbove
from obs.catalog.alerts import AlertSpec
from obs.catalog.numbers import promql_number
from obs.generate.render import render
from obs.generate.rules import rule_file


def _facts(alert: AlertSpec) -> list[tuple[str, str]]:
    """Typed thresholds worth showing on the page, in a fixed order."""
    rule = alert.rule
    facts: list[tuple[str, str]] = []
    if isinstance(rule, RatioAbove | RateAbove | QuantileAbove):
        facts.append(("Threshold", promql_number(rule.threshold)))
        facts.append(("Window", rule.window))
    if isinstance(rule, QuantileAbove):
        facts.append(("Quantile", promql_number(rule.quantile)))
    return facts


def render_runbooks(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for every runbook page and the index."""
    for alert in catalog.all_alerts:
        diagnosis = []
        for step in alert.runbook.diagnosis:
            dashboard = catalog.dashboard(step.dashboard)
            diagnosis.append(
                {
                    "explain": step.explain,
                    "query": step.query,
                    "dashboard": dashboard.uid,
                    "dashboard_title": dashboard.title,
                    "panel": step.panel,
                    "panel_id": dashboard.panel_id(step.panel),
                }
            )
        view = {
            "name": alert.name,
            "severity": alert.severity,
            "for_": alert.for_,
            "expr": alert.expr(),
            "summary_text": alert.summary,
            "description_text": alert.description,
        }
        text = render(
            "runbook.md.j2",
            alert=view,
            rule_file=rule_file(alert),
            facts=_facts(alert),
            runbook=alert.runbook,
            diagnosis=diagnosis,
        )
        yield f"runbooks/{alert.name}.md", text
    index = [
        {"name": a.name, "severity": a.severity, "rule_file": rule_file(a)}
        for a in catalog.all_alerts
    ]
    yield (
        "runbooks/README.md",
        render(
            "runbooks_index.md.j2",
            base_url=catalog.alerting.runbook_base_url.rstrip("/"),
            alerts=index,
            dashboards=catalog.dashboards,
        ),
    )
