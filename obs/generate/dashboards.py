"""Build Grafana dashboard JSON from the catalog, serialised byte-stable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from obs.catalog import Catalog
from obs.catalog.dashboards import DashboardSpec, PanelSpec

# Grafana 10.4 and 11.x both load schemaVersion 39 without migrating it.
SCHEMA_VERSION = 39
DATASOURCE_VAR = "datasource"
DATASOURCE_REF = {"type": "prometheus", "uid": f"${{{DATASOURCE_VAR}}}"}
_REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_REDUCE = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
_OPTIONS: dict[str, dict[str, Any]] = {
    "timeseries": {
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    },
    "stat": {**_REDUCE, "colorMode": "value", "graphMode": "area", "textMode": "auto"},
    "gauge": {**_REDUCE, "showThresholdLabels": False, "showThresholdMarkers": True},
    "bargauge": {**_REDUCE, "displayMode": "gradient", "orientation": "horizontal"},
    "table": {"showHeader": True},
}


def dump(document: dict[str, Any]) -> str:
    """Serialise JSON with sorted keys, fixed indent and a trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _target(expr: str, legend: str, index: int, panel_type: str) -> dict[str, Any]:
    target: dict[str, Any] = {
        "datasource": DATASOURCE_REF,
        "editorMode": "code",
        "expr": expr,
        "legendFormat": legend or "__auto",
        "refId": _REF_IDS[index],
    }
    if panel_type == "table":
        target.update({"format": "table", "instant": True, "range": False})
    else:
        target.update({"instant": False, "range": True})
    return target


def _panel(panel: PanelSpec, panel_id: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": panel.unit}
    if panel.min is not None:
        defaults["min"] = panel.min
    if panel.max is not None:
        defaults["max"] = panel.max
    return {
        "datasource": DATASOURCE_REF,
        "description": panel.description,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "gridPos": {"h": panel.grid.h, "w": panel.grid.w, "x": panel.grid.x, "y": panel.grid.y},
        "id": panel_id,
        "options": _OPTIONS[panel.type],
        "targets": [_target(q.expr, q.legend, i, panel.type) for i, q in enumerate(panel.queries)],
        "title": panel.title,
        "type": panel.type,
    }


def dashboard_json(spec: DashboardSpec) -> dict[str, Any]:
    """Return the Grafana dashboard model of one catalog dashboard."""
    return {
        "annotations": {"list": []},
        "description": spec.description,
        "editable": False,
        "graphTooltip": 1,
        "links": [],
        "panels": [_panel(p, spec.panel_id(p.title)) for p in spec.panels],
        "refresh": spec.refresh,
        "schemaVersion": SCHEMA_VERSION,
        "tags": list(spec.tags),
        "templating": {
            "list": [
                {
                    "current": {},
                    "hide": 0,
                    "includeAll": False,
                    "label": "Data source",
                    "multi": False,
                    "name": DATASOURCE_VAR,
                    "options": [],
                    "query": "prometheus",
                    "refresh": 1,
                    "regex": "",
                    "type": "datasource",
                }
            ]
        },
        "time": {"from": f"now-{spec.time_from}", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": spec.title,
        "uid": spec.uid,
        "version": 1,
    }


def render_dashboards(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for every dashboard under dashboards/."""
    for spec in catalog.dashboards:
        yield f"dashboards/{spec.uid}.json", dump(dashboard_json(spec))
