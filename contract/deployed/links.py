"""Links: every runbook's dashboard link names a dashboard and panel that exist."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The runbook template writes Grafana links as `/d/<uid>?viewPanel=<id>`.
_GRAFANA_LINK_RE = re.compile(r"/d/(?P<uid>[A-Za-z0-9_-]+)\?viewPanel=(?P<panel>\d+)")


def dashboard_links(markdown: str) -> list[tuple[str, int]]:
    """Return every (uid, panel id) a runbook links."""
    return [(m["uid"], int(m["panel"])) for m in _GRAFANA_LINK_RE.finditer(markdown)]


def panel_ids(dashboard: Mapping[str, Any]) -> set[int]:
    """Return the id of every panel of a dashboard, rows' nested panels included."""
    found: set[int] = set()
    for panel in dashboard.get("panels") or []:
        if isinstance(panel.get("id"), int):
            found.add(panel["id"])
        found |= panel_ids(panel)
    return found


def link_problems(
    runbooks: Mapping[str, str], dashboards: Mapping[str, Mapping[str, Any]], where: str
) -> list[str]:
    """Return every runbook link to a dashboard uid or panel id that `where` does not serve.

    runbooks: file name → Markdown; dashboards: uid → dashboard JSON.
    """
    problems: list[str] = []
    for name, markdown in sorted(runbooks.items()):
        for uid, panel in dashboard_links(markdown):
            dashboard = dashboards.get(uid)
            if dashboard is None:
                problems.append(f"{name}: links dashboard {uid!r}, which {where} does not serve")
            elif panel not in panel_ids(dashboard):
                problems.append(f"{name}: links panel {panel} of {uid!r}, which has no such panel")
    return problems


def served_dashboard_problems(
    generated: Mapping[str, Mapping[str, Any]], served: Mapping[str, Mapping[str, Any] | None]
) -> list[str]:
    """Return every generated dashboard Grafana does not serve at its uid with its version.

    served: uid → the `dashboard` of /api/dashboards/uid/<uid>, or None if it answered 404.
    """
    problems: list[str] = []
    for uid, dashboard in sorted(generated.items()):
        live = served.get(uid)
        if live is None:
            problems.append(f"dashboard {uid!r} is not served")
            continue
        for field in ("version", "title"):
            if live.get(field) != dashboard.get(field):
                problems.append(
                    f"dashboard {uid!r}: {field} is {live.get(field)!r}, "
                    f"the generated file says {dashboard.get(field)!r}"
                )
        missing = panel_ids(dashboard) - panel_ids(live)
        if missing:
            problems.append(f"dashboard {uid!r}: panels {sorted(missing)} are not served")
    return problems
