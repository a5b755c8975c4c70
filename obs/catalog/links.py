"""The dashboard panel an alert links, and what makes a panel plot an alert's expression."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from obs.catalog import fields
from obs.catalog.expressions import Selector, grafana_to_promql, selectors
from obs.catalog.fields import Where

_PANEL_REF_KEYS = {"uid", "panel"}
_SLUG_RE = re.compile(r"[^a-z0-9]+")

SelectorKey = tuple[str, frozenset[tuple[str, str, str]]]


@dataclass(frozen=True)
class PanelRef:
    """A dashboard (by uid) and one of its panels (by title)."""

    uid: str
    panel: str


def parse_panel_ref(body: dict[str, Any], where: Where) -> PanelRef:
    """Validate an alert's (or SLO's) `dashboard: {uid, panel}` mapping."""
    raw = fields.mapping(body.get("dashboard"), where, "dashboard")
    fields.only_keys(raw, Where(where.path, f"{where.entry}.dashboard"), _PANEL_REF_KEYS)
    sub = Where(where.path, f"{where.entry}.dashboard")
    return PanelRef(fields.text(raw, sub, "uid"), fields.text(raw, sub, "panel"))


def dashboard_slug(title: str) -> str:
    """Return the URL slug Grafana derives from a dashboard title."""
    return _SLUG_RE.sub("-", title.lower()).strip("-")


def selector_key(selector: Selector) -> SelectorKey:
    """Return a selector's identity: its metric and its matchers in any order."""
    return selector.metric, frozenset((m.name, m.op, m.value) for m in selector.matchers)


def unplotted_selectors(alert_expr: str, panel_exprs: Iterable[str]) -> list[str]:
    """Return each selector of the alert's expression that no panel query selects.

    A panel plots an alert's expression when it reads exactly the series the alert reads:
    every vector selector of the alert (metric and matchers) appears among the panel's.
    Grafana's range variables are resolved first; ranges and offsets do not matter.
    """
    plotted = {selector_key(s) for expr in panel_exprs for s in selectors(grafana_to_promql(expr))}
    missing: list[str] = []
    for selector in selectors(alert_expr):
        if selector_key(selector) not in plotted and selector.render() not in missing:
            missing.append(selector.render())
    return missing
