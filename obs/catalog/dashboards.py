"""Typed model of the catalog's `dashboards` section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs.catalog import fields
from obs.catalog.expressions import check_expression
from obs.catalog.fields import Where
from obs.catalog.series import SeriesSchema

PANEL_TYPES = ("timeseries", "stat", "gauge", "bargauge", "table")
GRID_WIDTH = 24
RATE_INTERVAL = "$__rate_interval"
_UID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
_RANGE_RE = re.compile(r"\[([^\]]*)\]")
_DASHBOARD_KEYS = {
    "uid",
    "title",
    "description",
    "tags",
    "refresh",
    "time_from",
    "panels",
    "slo_panels",
}
_PANEL_KEYS = {"title", "type", "unit", "description", "grid", "queries", "min", "max"}


@dataclass(frozen=True)
class Grid:
    """Panel position on Grafana's 24-column grid."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Query:
    """One PromQL target of a panel and its legend format."""

    expr: str
    legend: str


@dataclass(frozen=True)
class PanelSpec:
    """One dashboard panel."""

    title: str
    type: str
    unit: str
    description: str
    grid: Grid
    queries: tuple[Query, ...]
    min: float | None
    max: float | None


@dataclass(frozen=True)
class DashboardSpec:
    """One Grafana dashboard with a stable uid."""

    uid: str
    title: str
    description: str
    tags: tuple[str, ...]
    refresh: str
    time_from: str
    panels: tuple[PanelSpec, ...]
    # Gains one generated burn-rate panel per SLO after its own panels (obs.catalog.links).
    slo_panels: bool = False

    def panel(self, title: str) -> PanelSpec | None:
        """Return the panel with this title, if any."""
        return next((p for p in self.panels if p.title == title), None)

    def panel_id(self, title: str) -> int:
        """Return the stable numeric id Grafana uses for `viewPanel` links."""
        return 1 + [p.title for p in self.panels].index(title)


def parse_dashboards(raw: Any, path: Path, schema: SeriesSchema) -> tuple[DashboardSpec, ...]:
    """Validate the `dashboards` list; every query is checked against the schema."""
    result: list[DashboardSpec] = []
    for index, item in enumerate(fields.entries(raw, Where(path, "dashboards"), "dashboards")):
        where = Where(path, f"dashboards[{index}]")
        body = fields.mapping(item, where, "-")
        uid = fields.text(body, where, "uid")
        if not _UID_RE.match(uid):
            raise where.error("uid", f"must be 3-40 chars of [a-z0-9-], got {uid!r}")
        where = Where(path, f"dashboards[{uid}]")
        if any(d.uid == uid for d in result):
            raise where.error("uid", "duplicate dashboard uid")
        fields.only_keys(body, where, _DASHBOARD_KEYS)
        panels = [
            _parse_panel(p, i, where, schema)
            for i, p in enumerate(fields.entries(body.get("panels"), where, "panels"))
        ]
        titles = [p.title for p in panels]
        for title in titles:
            if titles.count(title) > 1:
                raise where.error(
                    "panels", f"panel title {title!r} repeats; runbooks link by title"
                )
        result.append(
            DashboardSpec(
                uid=uid,
                title=fields.text(body, where, "title"),
                description=fields.text(body, where, "description"),
                tags=fields.text_list(body, where, "tags"),
                refresh=fields.duration(body, where, "refresh"),
                time_from=fields.duration(body, where, "time_from"),
                panels=tuple(panels),
                slo_panels=_flag(body, where, "slo_panels"),
            )
        )
    return tuple(result)


def _parse_panel(raw: Any, index: int, parent: Where, schema: SeriesSchema) -> PanelSpec:
    where = Where(parent.path, f"{parent.entry}.panels[{index}]")
    body = fields.mapping(raw, where, "-")
    title = fields.text(body, where, "title")
    where = Where(parent.path, f"{parent.entry}.panels[{title}]")
    fields.only_keys(body, where, _PANEL_KEYS)
    panel_type = fields.text(body, where, "type")
    if panel_type not in PANEL_TYPES:
        raise where.error("type", f"must be one of {list(PANEL_TYPES)}, got {panel_type!r}")
    queries = []
    for q_index, item in enumerate(fields.entries(body.get("queries"), where, "queries")):
        field = f"queries[{q_index}].expr"
        query = fields.mapping(item, where, f"queries[{q_index}]")
        expr = fields.text(query, where, "expr") if "expr" in query else ""
        if not expr:
            raise where.error(field, "is required")
        _check_ranges(expr, where, field)
        check_expression(expr, schema, where, field)
        legend = query.get("legend", "")
        if not isinstance(legend, str):
            raise where.error(f"queries[{q_index}].legend", "must be a string")
        queries.append(Query(expr=expr, legend=legend))
    return PanelSpec(
        title=title,
        type=panel_type,
        unit=fields.text(body, where, "unit"),
        description=fields.text(body, where, "description") if "description" in body else "",
        grid=_parse_grid(body.get("grid"), where),
        queries=tuple(queries),
        min=fields.number(body, where, "min") if "min" in body else None,
        max=fields.number(body, where, "max") if "max" in body else None,
    )


def _check_ranges(expr: str, where: Where, field: str) -> None:
    # A fixed range in a dashboard breaks at scrape intervals it was not written for.
    for found in _RANGE_RE.findall(expr):
        if found != RATE_INTERVAL:
            raise where.error(field, f"range [{found}] must be [{RATE_INTERVAL}]")


def _parse_grid(raw: Any, where: Where) -> Grid:
    body = fields.mapping(raw, where, "grid")
    values: dict[str, int] = {}
    for key in ("x", "y", "w", "h"):
        value = body.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise where.error(f"grid.{key}", f"must be a non-negative integer, got {value!r}")
        values[key] = value
    if values["w"] < 1 or values["h"] < 1 or values["x"] + values["w"] > GRID_WIDTH:
        raise where.error("grid", f"panel must fit the {GRID_WIDTH}-column grid: {values}")
    return Grid(**values)


def _flag(body: dict[str, Any], where: Where, field: str) -> bool:
    value = body.get(field, False)
    if not isinstance(value, bool):
        raise where.error(field, f"must be true or false, got {value!r}")
    return value
