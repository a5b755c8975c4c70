"""Load and validate obs/catalog.yaml into a typed Catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from obs.catalog.alerts import AlertContext, AlertSpec, parse_alerts, slo_alerts
from obs.catalog.dashboards import DashboardSpec, parse_dashboards
from obs.catalog.drill import DrillSpec, parse_drill
from obs.catalog.errors import CatalogError
from obs.catalog.expressions import check_expression
from obs.catalog.fields import Where
from obs.catalog.links import dashboard_slug, unplotted_selectors
from obs.catalog.metrics import MetricSpec, parse_metrics
from obs.catalog.series import SeriesSchema, scraped_schema
from obs.catalog.settings import AlertingSpec, DeploySpec, parse_alerting, parse_deploy
from obs.catalog.slo_panels import with_panel_links, with_slo_panels
from obs.catalog.slos import SloSpec, parse_slos, recorded_series

DEFAULT_CATALOG_PATH = Path(__file__).resolve().parent.parent / "catalog.yaml"
_SECTIONS = {
    "service",
    "metrics",
    "alerting",
    "deploy",
    "drill",
    "slos",
    "dashboards",
    "alerts",
}


@dataclass(frozen=True)
class ServiceSpec:
    """The service the catalog describes and the Prometheus job that scrapes it."""

    name: str
    job: str


@dataclass(frozen=True)
class Catalog:
    """The whole validated catalog."""

    path: Path
    service: ServiceSpec
    metrics: tuple[MetricSpec, ...]
    # Sections after `metrics` are optional when loading, so a metrics-only catalog (as the
    # service's tests write) still loads; generating artifacts requires them.
    alerting_spec: AlertingSpec | None = None
    deploy_spec: DeploySpec | None = None
    drill_spec: DrillSpec | None = None
    slos: tuple[SloSpec, ...] = ()
    dashboards: tuple[DashboardSpec, ...] = ()
    alerts: tuple[AlertSpec, ...] = ()
    schema: SeriesSchema = field(default_factory=SeriesSchema)

    @property
    def alerting(self) -> AlertingSpec:
        """The `alerting` section; required to generate artifacts."""
        if self.alerting_spec is None:
            raise CatalogError(self.path, "alerting", "alerting", "section is required")
        return self.alerting_spec

    @property
    def deploy(self) -> DeploySpec:
        """The `deploy` section; required to generate artifacts."""
        if self.deploy_spec is None:
            raise CatalogError(self.path, "deploy", "deploy", "section is required")
        return self.deploy_spec

    @property
    def drill(self) -> DrillSpec:
        """The `drill` section; required to generate the drill rules."""
        if self.drill_spec is None:
            raise CatalogError(self.path, "drill", "drill", "section is required")
        return self.drill_spec

    def require_artifact_sections(self) -> None:
        """Fail naming the first section that generating artifacts needs but is missing."""
        for section, present in (
            ("alerting", self.alerting_spec),
            ("deploy", self.deploy_spec),
            ("drill", self.drill_spec),
            ("slos", self.slos),
            ("dashboards", self.dashboards),
            ("alerts", self.alerts),
        ):
            if not present:
                raise CatalogError(self.path, section, section, "section is required to generate")

    def metric(self, name: str) -> MetricSpec:
        for spec in self.metrics:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def dashboard(self, uid: str) -> DashboardSpec:
        for spec in self.dashboards:
            if spec.uid == uid:
                return spec
        raise KeyError(uid)

    def dashboard_url(self, alert: AlertSpec) -> str:
        """Return the absolute link opening the panel that plots an alert's expression."""
        assert alert.panel is not None  # the loader requires one on every alert
        dashboard = self.dashboard(alert.panel.uid)
        return self.alerting.dashboard_url(
            dashboard.uid, dashboard_slug(dashboard.title), dashboard.panel_id(alert.panel.panel)
        )

    @property
    def all_alerts(self) -> tuple[AlertSpec, ...]:
        """Catalog alerts followed by the SLO burn-rate alerts."""
        return (*self.alerts, *slo_alerts(self.slos))


def load_catalog(path: Path | str = DEFAULT_CATALOG_PATH) -> Catalog:
    """Read, parse and validate a catalog file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(path, "-", "-", f"cannot read catalog: {exc.strerror}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(path, "-", "-", f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(path, "-", "-", "the catalog must be a mapping at top level")
    for key in sorted(set(raw) - _SECTIONS, key=str):
        raise CatalogError(path, str(key), str(key), f"unknown section; known: {sorted(_SECTIONS)}")
    service = _parse_service(raw.get("service"), path)
    metrics = parse_metrics(raw.get("metrics"), path)
    if set(raw) <= {"service", "metrics"}:
        return Catalog(path=path, service=service, metrics=metrics)
    alerting = parse_alerting(raw.get("alerting"), path)
    scraped = scraped_schema(metrics)
    slos = parse_slos(raw.get("slos"), path, scraped, metrics)
    schema = scraped.with_recorded(*recorded_series(slos))
    dashboards = with_slo_panels(parse_dashboards(raw.get("dashboards"), path, schema), slos)
    slos = with_panel_links(slos, dashboards, path)
    context = AlertContext(path, service.job, alerting.severities, schema, metrics)
    alerts = parse_alerts(raw.get("alerts"), context)
    catalog = Catalog(
        path=path,
        service=service,
        metrics=metrics,
        alerting_spec=alerting,
        deploy_spec=parse_deploy(raw.get("deploy"), path),
        drill_spec=parse_drill(raw["drill"], path) if "drill" in raw else None,
        slos=slos,
        dashboards=dashboards,
        alerts=alerts,
        schema=schema,
    )
    _check_alert_set(catalog)
    return catalog


def _check_alert_set(catalog: Catalog) -> None:
    """Check names across catalog and SLO alerts, and every runbook's queries and links."""
    seen: set[str] = set()
    for alert in catalog.all_alerts:
        where = Where(catalog.path, alert.entry)
        if alert.name in seen:
            raise where.error("name", f"duplicate alert name {alert.name!r}")
        seen.add(alert.name)
        if alert.severity not in catalog.alerting.severities:
            raise where.error("severity", f"{alert.severity!r} has no Alertmanager route")
        _check_runbook_links(alert, where, catalog)
        _check_panel_link(alert, where, catalog)


def _check_panel_link(alert: AlertSpec, where: Where, catalog: Catalog) -> None:
    """The alert's dashboard_url must open a panel that plots what the alert reads."""
    if alert.panel is None:
        raise where.error("dashboard", "is required: the panel plotting the alert's expression")
    try:
        dashboard = catalog.dashboard(alert.panel.uid)
    except KeyError:
        raise where.error("dashboard.uid", f"no dashboard with uid {alert.panel.uid!r}") from None
    panel = dashboard.panel(alert.panel.panel)
    if panel is None:
        raise where.error(
            "dashboard.panel", f"dashboard {dashboard.uid!r} has no panel {alert.panel.panel!r}"
        )
    missing = unplotted_selectors(alert.expr(), [q.expr for q in panel.queries])
    if missing:
        raise where.error(
            "dashboard.panel",
            f"panel {panel.title!r} of {dashboard.uid!r} does not plot the alert's expression: "
            f"no query selects {', '.join(missing)}",
        )


def _check_runbook_links(alert: AlertSpec, where: Where, catalog: Catalog) -> None:
    for index, step in enumerate(alert.runbook.diagnosis):
        prefix = f"runbook.diagnosis[{index}]"
        check_expression(step.query, catalog.schema, where, f"{prefix}.query")
        try:
            dashboard = catalog.dashboard(step.dashboard)
        except KeyError:
            message = f"no dashboard with uid {step.dashboard!r}"
            raise where.error(f"{prefix}.dashboard", message) from None
        if dashboard.panel(step.panel) is None:
            raise where.error(
                f"{prefix}.panel", f"dashboard {step.dashboard!r} has no panel {step.panel!r}"
            )


def _parse_service(raw: Any, path: Path) -> ServiceSpec:
    if not isinstance(raw, dict):
        raise CatalogError(path, "service", "service", "must be a mapping with name and job")
    for key in ("name", "job"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise CatalogError(path, "service", key, "must be a non-empty string")
    return ServiceSpec(name=raw["name"], job=raw["job"])
