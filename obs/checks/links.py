"""Every alert's runbook_url and dashboard_url open what they promise, checked offline."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from obs.catalog.expressions import PromQLError
from obs.catalog.links import unplotted_selectors

_DASHBOARD_PATH_RE = re.compile(r"^/d/(?P<uid>[^/]+)/(?P<slug>[^/]+)$")


@dataclass(frozen=True)
class LinkedAlert:
    """One alert as a rule file or Prometheus holds it: its name, expression and annotations."""

    name: str
    expr: str
    annotations: Mapping[str, str]


@dataclass(frozen=True)
class LinkBases:
    """The base URLs every link must start with (the catalog's alerting settings)."""

    runbook: str
    grafana: str


def rule_file_alerts(documents: Iterable[Mapping[str, Any]]) -> list[LinkedAlert]:
    """Return every alerting rule of parsed rule files."""
    return [
        LinkedAlert(str(rule["alert"]), str(rule.get("expr", "")), rule.get("annotations") or {})
        for document in documents
        for group in document.get("groups") or []
        for rule in group.get("rules") or []
        if "alert" in rule
    ]


def loaded_alerts(loaded_groups: Iterable[Mapping[str, Any]]) -> list[LinkedAlert]:
    """Return every alerting rule of Prometheus' /api/v1/rules groups."""
    return [
        LinkedAlert(
            str(rule.get("name")), str(rule.get("query", "")), rule.get("annotations") or {}
        )
        for group in loaded_groups
        for rule in group.get("rules") or []
        if rule.get("type", "alerting") == "alerting"
    ]


def _under(url: str, base: str) -> str | None:
    """Return url's part after base (no leading slash), or None if it is not under base."""
    prefix = base.rstrip("/") + "/"
    return url[len(prefix) :] if url.startswith(prefix) else None


def runbook_problems(alert: LinkedAlert, base: str, runbooks_dir: Path) -> list[str]:
    """Check that runbook_url is absolute, under the base URL, and names the alert's page."""
    url = alert.annotations.get("runbook_url", "")
    if not url:
        return [f"alert {alert.name!r} has no runbook_url annotation"]
    rest = _under(url, base)
    if rest is None:
        return [f"alert {alert.name!r}: runbook_url {url} is not under runbook_base_url {base}"]
    # The layout is <base>/<AlertName>.md: what follows the base is the page's file name.
    if rest != f"{alert.name}.md":
        return [f"alert {alert.name!r}: runbook_url {url} should end {base}/{alert.name}.md"]
    if not (runbooks_dir / rest).is_file():
        return [f"alert {alert.name!r}: runbook_url {url} names {rest}, not in {runbooks_dir}"]
    return []


def dashboard_problems(
    alert: LinkedAlert, base: str, dashboards: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Check that dashboard_url opens an existing panel whose queries select what the alert does."""
    url = alert.annotations.get("dashboard_url", "")
    who = f"alert {alert.name!r}: dashboard_url {url}"
    if not url:
        return [f"alert {alert.name!r} has no dashboard_url annotation"]
    if _under(url, base) is None:
        return [f"{who} is not under grafana_base_url {base}"]
    parts = urlsplit(url)
    base_path = urlsplit(base).path.rstrip("/")
    match = _DASHBOARD_PATH_RE.match(parts.path[len(base_path) :])
    panel_ids = parse_qs(parts.query).get("viewPanel", [])
    if match is None or len(panel_ids) != 1 or not panel_ids[0].isdigit():
        return [f"{who} is not <grafana_base_url>/d/<uid>/<slug>?viewPanel=<id>"]
    document = dashboards.get(match.group("uid"))
    if document is None:
        return [f"{who}: no dashboard with uid {match.group('uid')!r}"]
    panel = next(
        (p for p in document.get("panels") or [] if str(p.get("id")) == panel_ids[0]), None
    )
    if panel is None:
        return [f"{who}: dashboard {match.group('uid')!r} has no panel with id {panel_ids[0]}"]
    exprs = [str(t.get("expr", "")) for t in panel.get("targets") or []]
    try:
        missing = unplotted_selectors(alert.expr, exprs)
    except PromQLError as exc:
        return [f"{who}: the alert's or the panel's PromQL does not parse: {exc}"]
    if missing:
        return [
            f"{who}: panel {panel.get('title')!r} does not plot the alert's expression: "
            f"no query selects {', '.join(missing)}"
        ]
    return []


def link_problems(
    alerts: Iterable[LinkedAlert],
    bases: LinkBases,
    dashboards: Mapping[str, Mapping[str, Any]],
    runbooks_dir: Path,
) -> list[str]:
    """Return every alert link that would not open its runbook or its panel."""
    problems: list[str] = []
    for alert in alerts:
        problems += runbook_problems(alert, bases.runbook, runbooks_dir)
        problems += dashboard_problems(alert, bases.grafana, dashboards)
    return problems
