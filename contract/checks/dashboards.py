"""Dashboards: extract every panel query and resolve Grafana variables into plain PromQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Grafana's built-in variables, fixed to values a contract run can answer.
BUILTIN_VALUES: Mapping[str, str] = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__interval_ms": "15000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
# $var, ${var}, ${var:format} and [[var]].
_VARIABLE_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


class DashboardError(ValueError):
    """A dashboard cannot be turned into queries; the message names dashboard, panel and cause."""


@dataclass(frozen=True)
class PanelQuery:
    """One panel target's expression, resolved to plain PromQL."""

    dashboard: str
    panel: str
    ref_id: str
    expr: str
    resolved: str

    @property
    def label(self) -> str:
        return f"dashboard {self.dashboard!r} panel {self.panel!r} target {self.ref_id}"


def variable_values(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """Return each templating variable's value for a contract run (current, else first option)."""
    values: dict[str, str] = {}
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        name = str(variable.get("name"))
        kind = variable.get("type")
        if kind == "datasource":
            # Only the datasource field names it; it never appears inside PromQL.
            values[name] = str(variable.get("query") or "prometheus")
            continue
        current = (variable.get("current") or {}).get("value")
        if isinstance(current, list):
            current = current[0] if current else None
        if current in (None, "", "$__all"):
            options = variable.get("options") or []
            current = options[0].get("value") if options else None
        if current in (None, "", "$__all"):
            # A multi-value query variable with "All" matches every value in a regex matcher.
            current = ".*" if variable.get("includeAll") or kind == "query" else None
        if current is None:
            raise DashboardError(f"variable {name!r} ({kind}) has no current value or option")
        values[name] = str(current)
    return values


def resolve(expr: str, values: Mapping[str, str]) -> str:
    """Replace every Grafana variable in expr; fail naming a variable that has no value."""

    def replace(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        if name in BUILTIN_VALUES:
            return BUILTIN_VALUES[name]
        if name in values:
            return values[name]
        raise DashboardError(
            f"variable ${name} is neither a Grafana built-in nor defined by the dashboard"
        )

    return _VARIABLE_RE.sub(replace, expr)


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        # Collapsed rows keep their panels inside the row.
        yield from _panels(panel.get("panels") or [])


def panel_queries(dashboard: Mapping[str, Any]) -> list[PanelQuery]:
    """Return every Prometheus target of every panel, with variables resolved."""
    uid = str(dashboard.get("uid") or dashboard.get("title"))
    values = variable_values(dashboard)
    queries: list[PanelQuery] = []
    for panel in _panels(list(dashboard.get("panels") or [])):
        title = str(panel.get("title") or panel.get("id"))
        for target in panel.get("targets") or []:
            expr = target.get("expr")
            if not expr:
                continue
            ref = str(target.get("refId", "?"))
            try:
                resolved = resolve(str(expr), values)
            except DashboardError as exc:
                raise DashboardError(
                    f"dashboard {uid!r} panel {title!r} target {ref}: {exc}"
                ) from exc
            queries.append(PanelQuery(uid, title, ref, str(expr), resolved))
    return queries


def load_dashboard(path: Path) -> dict[str, Any]:
    """Read one dashboard JSON file, failing with its path on invalid JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DashboardError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DashboardError(f"{path}: a dashboard must be a JSON object")
    # Some generators wrap the model as {"dashboard": {...}} for the HTTP API.
    inner = data.get("dashboard")
    return inner if isinstance(inner, dict) else data
