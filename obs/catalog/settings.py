"""Typed model of the catalog's `alerting` and `deploy` sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs.catalog import fields
from obs.catalog.fields import Where

_ADDRESS_RE = re.compile(r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")
_ALERTING_KEYS = {
    "runbook_base_url",
    "severities",
    "webhook_url",
    "group_wait",
    "group_interval",
    "repeat_interval",
}
_DEPLOY_KEYS = {
    "backend_address",
    "alertmanager_address",
    "prometheus_url",
    "scrape_interval",
    "evaluation_interval",
    "grafana_datasource_uid",
    "grafana_dashboards_path",
}


@dataclass(frozen=True)
class AlertingSpec:
    """Where alerts link their runbooks and how Alertmanager routes them."""

    runbook_base_url: str
    severities: tuple[str, ...]
    webhook_url: str
    group_wait: str
    group_interval: str
    repeat_interval: str

    def runbook_url(self, alert: str) -> str:
        """Return the stable runbook link of an alert."""
        return f"{self.runbook_base_url.rstrip('/')}/{alert}.md"


@dataclass(frozen=True)
class DeploySpec:
    """Default loopback addresses and intervals of the generated stack configs."""

    backend_address: str
    alertmanager_address: str
    prometheus_url: str
    scrape_interval: str
    evaluation_interval: str
    grafana_datasource_uid: str
    grafana_dashboards_path: str


def parse_alerting(raw: Any, path: Path) -> AlertingSpec:
    """Validate the `alerting` mapping."""
    where = Where(path, "alerting")
    body = fields.mapping(raw, where, "alerting")
    fields.only_keys(body, where, _ALERTING_KEYS)
    severities = fields.text_list(body, where, "severities")
    if len(set(severities)) != len(severities):
        raise where.error("severities", "severities repeat")
    return AlertingSpec(
        runbook_base_url=fields.text(body, where, "runbook_base_url"),
        severities=severities,
        webhook_url=_url(body, where, "webhook_url"),
        group_wait=fields.duration(body, where, "group_wait"),
        group_interval=fields.duration(body, where, "group_interval"),
        repeat_interval=fields.duration(body, where, "repeat_interval"),
    )


def parse_deploy(raw: Any, path: Path) -> DeploySpec:
    """Validate the `deploy` mapping."""
    where = Where(path, "deploy")
    body = fields.mapping(raw, where, "deploy")
    fields.only_keys(body, where, _DEPLOY_KEYS)
    for field in ("backend_address", "alertmanager_address"):
        if not _ADDRESS_RE.match(fields.text(body, where, field)):
            raise where.error(field, "must be host:port")
    return DeploySpec(
        backend_address=body["backend_address"],
        alertmanager_address=body["alertmanager_address"],
        prometheus_url=_url(body, where, "prometheus_url"),
        scrape_interval=fields.duration(body, where, "scrape_interval"),
        evaluation_interval=fields.duration(body, where, "evaluation_interval"),
        grafana_datasource_uid=fields.text(body, where, "grafana_datasource_uid"),
        grafana_dashboards_path=fields.text(body, where, "grafana_dashboards_path"),
    )


def _url(body: dict[str, Any], where: Where, field: str) -> str:
    value = fields.text(body, where, field)
    if not value.startswith(("http://", "https://")):
        raise where.error(field, f"must be an http(s) URL, got {value!r}")
    return value
