"""The burn-rate panel each SLO gains on the dashboard marked `slo_panels`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from obs.catalog.dashboards import GRID_WIDTH, DashboardSpec, Grid, PanelSpec, Query
from obs.catalog.errors import CatalogError
from obs.catalog.links import PanelRef
from obs.catalog.slos import RECORDED_WINDOWS, SloSpec

_PANEL_WIDTH = GRID_WIDTH // 2
_PANEL_HEIGHT = 8


def slo_panel_title(slo: SloSpec) -> str:
    """Return the title of an SLO's generated burn-rate panel."""
    return f"{slo.name.replace('_', ' ').capitalize()} SLO burn rate by window"


def _slo_panel(slo: SloSpec, index: int, top: int) -> PanelSpec:
    # Every window its burn-rate alerts compare, so the panel reads what they read.
    queries = tuple(
        Query(f"{slo.recorded(window)} / {slo.error_budget}", window) for window in RECORDED_WINDOWS
    )
    return PanelSpec(
        title=slo_panel_title(slo),
        type="timeseries",
        unit="x",
        description=(
            f"Burn rate of the {slo.name} error budget over each window its burn-rate "
            "alerts compare; 1 spends the budget exactly over the SLO period."
        ),
        grid=Grid(
            x=(index % 2) * _PANEL_WIDTH,
            y=top + (index // 2) * _PANEL_HEIGHT,
            w=_PANEL_WIDTH,
            h=_PANEL_HEIGHT,
        ),
        queries=queries,
        min=0,
        max=None,
    )


def with_slo_panels(
    dashboards: tuple[DashboardSpec, ...], slos: tuple[SloSpec, ...]
) -> tuple[DashboardSpec, ...]:
    """Append every SLO's burn-rate panel to each dashboard marked `slo_panels`."""
    result = []
    for dashboard in dashboards:
        if dashboard.slo_panels:
            top = max((p.grid.y + p.grid.h for p in dashboard.panels), default=0)
            added = tuple(_slo_panel(slo, i, top) for i, slo in enumerate(slos))
            dashboard = replace(dashboard, panels=(*dashboard.panels, *added))
        result.append(dashboard)
    return tuple(result)


def with_panel_links(
    slos: tuple[SloSpec, ...], dashboards: tuple[DashboardSpec, ...], path: Path
) -> tuple[SloSpec, ...]:
    """Link each SLO that names no panel to its burn-rate panel."""
    home = next((d for d in dashboards if d.slo_panels), None)
    result = []
    for slo in slos:
        if slo.panel is None:
            if home is None:
                raise CatalogError(
                    path,
                    f"slos[{slo.name}]",
                    "dashboard",
                    "names no panel and no dashboard has slo_panels: true to hold one",
                )
            slo = replace(slo, panel=PanelRef(home.uid, slo_panel_title(slo)))
        result.append(slo)
    return tuple(result)
