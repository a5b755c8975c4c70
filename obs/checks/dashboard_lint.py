"""House rules every generated dashboard must follow beyond Grafana's model."""

from __future__ import annotations

import re
from typing import Any

from obs.catalog.dashboards import RATE_INTERVAL

_RANGE_FUNCS = re.compile(r"\b(rate|irate|increase)\s*\(")
_RANGE = re.compile(r"\[([^\]]*)\]")


def lint_errors(document: dict[str, Any]) -> list[str]:
    """Return every breach of: stable uid, $datasource variable, units, $__rate_interval."""
    errors: list[str] = []
    if not document.get("uid"):
        errors.append("no uid: Grafana would invent one and links would break")
    variables = document.get("templating", {}).get("list", [])
    if not any(
        v.get("name") == "datasource"
        and v.get("type") == "datasource"
        and v.get("query") == "prometheus"
        for v in variables
    ):
        errors.append("no $datasource variable of type datasource (prometheus)")
    for panel in document.get("panels", []):
        title = panel.get("title")
        if not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            errors.append(f"panel {title!r}: no unit in fieldConfig.defaults.unit")
        refs = [panel.get("datasource"), *(t.get("datasource") for t in panel.get("targets", []))]
        if any(not isinstance(r, dict) or r.get("uid") != "${datasource}" for r in refs):
            errors.append(f"panel {title!r}: datasource must be ${{datasource}}")
        for target in panel.get("targets", []):
            expr = str(target.get("expr", ""))
            ranges = _RANGE.findall(expr)
            if _RANGE_FUNCS.search(expr) and (not ranges or set(ranges) != {RATE_INTERVAL}):
                errors.append(f"panel {title!r}: rate/increase must use [{RATE_INTERVAL}]: {expr}")
    return errors
