"""Typed model of the runbook text an alert (or SLO) carries in the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obs.catalog import fields
from obs.catalog.fields import Where

_RUNBOOK_KEYS = {"meaning", "impact", "diagnosis", "mitigation", "escalation"}
_STEP_KEYS = {"query", "explain", "dashboard", "panel"}


@dataclass(frozen=True)
class DiagnosisStep:
    """One query to run, why, and the dashboard panel that shows the same signal."""

    query: str
    explain: str
    dashboard: str
    panel: str


@dataclass(frozen=True)
class RunbookText:
    """What an on-call engineer reads when the alert fires."""

    meaning: str
    impact: str
    diagnosis: tuple[DiagnosisStep, ...]
    mitigation: tuple[str, ...]
    escalation: str


def parse_runbook(raw: Any, where: Where) -> RunbookText:
    """Validate the `runbook` mapping of an alert or SLO."""
    body = fields.mapping(raw, where, "runbook")
    fields.only_keys(body, Where(where.path, f"{where.entry}.runbook"), _RUNBOOK_KEYS)
    sub = Where(where.path, f"{where.entry}.runbook")
    steps = []
    for index, item in enumerate(fields.entries(body.get("diagnosis"), sub, "diagnosis")):
        step_where = Where(where.path, f"{sub.entry}.diagnosis[{index}]")
        step = fields.mapping(item, step_where, "diagnosis")
        fields.only_keys(step, step_where, _STEP_KEYS)
        steps.append(
            DiagnosisStep(
                query=fields.text(step, step_where, "query"),
                explain=fields.text(step, step_where, "explain"),
                dashboard=fields.text(step, step_where, "dashboard"),
                panel=fields.text(step, step_where, "panel"),
            )
        )
    return RunbookText(
        meaning=fields.text(body, sub, "meaning"),
        impact=fields.text(body, sub, "impact"),
        diagnosis=tuple(steps),
        mitigation=fields.text_list(body, sub, "mitigation"),
        escalation=fields.text(body, sub, "escalation"),
    )
