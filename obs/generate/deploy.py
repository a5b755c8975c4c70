"""Render the stack configs under deploy/: Prometheus, Alertmanager and Grafana."""

from __future__ import annotations

from collections.abc import Iterator

from obs.catalog import Catalog
from obs.generate.notifications import receivers_yaml
from obs.generate.render import render

PROMETHEUS_CONFIG = "deploy/prometheus/prometheus.yml"
PROMETHEUS_DRILL_CONFIG = "deploy/prometheus/prometheus-drill.yml"
ALERTMANAGER_CONFIG = "deploy/alertmanager/alertmanager.yml"


def render_deploy(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for every stack config."""
    deploy = catalog.deploy
    yield (
        PROMETHEUS_CONFIG,
        render(
            "deploy/prometheus.yml.j2",
            deploy=deploy,
            job=catalog.service.job,
            drill=False,
            scrape_interval=deploy.scrape_interval,
            evaluation_interval=deploy.evaluation_interval,
            rule_glob="../../alerts/*.yml",
        ),
    )
    yield (
        PROMETHEUS_DRILL_CONFIG,
        render(
            "deploy/prometheus.yml.j2",
            deploy=deploy,
            job=catalog.service.job,
            drill=True,
            scrape_interval=catalog.drill.scrape_interval,
            evaluation_interval=catalog.drill.evaluation_interval,
            rule_glob="../../alerts/drill/*.yml",
        ),
    )
    yield (
        ALERTMANAGER_CONFIG,
        render(
            "deploy/alertmanager.yml.j2",
            alerting=catalog.alerting,
            receivers=receivers_yaml(catalog.alerting.receivers),
        ),
    )
    yield "deploy/grafana/grafana.ini", render("deploy/grafana.ini.j2")
    yield (
        "deploy/grafana/provisioning/datasources/prometheus.yml",
        render("deploy/datasource.yml.j2", deploy=deploy),
    )
    yield (
        "deploy/grafana/provisioning/dashboards/techno.yml",
        render("deploy/dashboards.yml.j2", deploy=deploy),
    )
