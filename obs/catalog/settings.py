"""Typed model of the catalog's `alerting` and `deploy` sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs.catalog import fields
from obs.catalog.fields import Where
from obs.catalog.receivers import DEFAULT_RECEIVER, ReceiverSpec, parse_receivers

_ADDRESS_RE = re.compile(r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")
_ALERTING_KEYS = {
    "runbook_base_url",
    "grafana_base_url",
    "severities",
    "webhook_url",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "inhibit_rules",
    "receivers",
}
_INHIBIT_KEYS = {"why", "source_matchers", "target_matchers", "equal"}
# Alertmanager's matcher syntax, as the generated config writes it: name, operator, quoted value.
_MATCHER_RE = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"$')
# Where links point when the catalog names none: Grafana's default port, and runbooks/ of a
# checkout served by `python -m http.server 8088` from the repository root.
DEFAULT_GRAFANA_BASE_URL = "http://127.0.0.1:3000"
DEFAULT_RUNBOOK_BASE_URL = "http://127.0.0.1:8088/runbooks"
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
class Matcher:
    """One Alertmanager label matcher, e.g. `severity="page"`."""

    name: str
    op: str
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        """Tell whether a label set satisfies the matcher (a missing label reads as '')."""
        candidate = labels.get(self.name, "")
        if self.op in ("=", "!="):
            return (candidate == self.value) == (self.op == "=")
        return (re.fullmatch(self.value, candidate) is not None) == (self.op == "=~")

    def render(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


@dataclass(frozen=True)
class InhibitRule:
    """While an alert matching `source` fires, mute alerts matching `target` with equal labels."""

    why: str
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]

    def inhibits(self, source: dict[str, str], target: dict[str, str]) -> bool:
        """Tell whether an alert with labels `source` mutes one with labels `target`."""
        return (
            all(m.matches(source) for m in self.source)
            and all(m.matches(target) for m in self.target)
            and all(source.get(name, "") == target.get(name, "") for name in self.equal)
        )


@dataclass(frozen=True)
class AlertingSpec:
    """Where alerts link their runbooks and how Alertmanager routes them."""

    runbook_base_url: str
    severities: tuple[str, ...]
    webhook_url: str
    group_wait: str
    group_interval: str
    repeat_interval: str
    inhibit_rules: tuple[InhibitRule, ...] = ()
    grafana_base_url: str = DEFAULT_GRAFANA_BASE_URL
    # One per route (`default`, then each severity); webhooks to webhook_url when not given.
    receivers: tuple[ReceiverSpec, ...] = ()

    def runbook_url(self, alert: str) -> str:
        """Return the absolute runbook link of an alert: `<runbook_base_url>/<alert>.md`."""
        return f"{self.runbook_base_url.rstrip('/')}/{alert}.md"

    def dashboard_url(self, uid: str, slug: str, panel_id: int) -> str:
        """Return the absolute link that opens one panel of a dashboard on its own."""
        return f"{self.grafana_base_url.rstrip('/')}/d/{uid}/{slug}?viewPanel={panel_id}"


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
        runbook_base_url=_url_or(body, where, "runbook_base_url", DEFAULT_RUNBOOK_BASE_URL),
        grafana_base_url=_url_or(body, where, "grafana_base_url", DEFAULT_GRAFANA_BASE_URL),
        severities=severities,
        webhook_url=_url(body, where, "webhook_url"),
        group_wait=fields.duration(body, where, "group_wait"),
        group_interval=fields.duration(body, where, "group_interval"),
        repeat_interval=fields.duration(body, where, "repeat_interval"),
        inhibit_rules=_inhibit_rules(body.get("inhibit_rules"), path),
        receivers=parse_receivers(body["receivers"], where, severities)
        if "receivers" in body
        else _webhooks(body, where, severities),
    )


def _inhibit_rules(raw: Any, path: Path) -> tuple[InhibitRule, ...]:
    rules: list[InhibitRule] = []
    for index, item in enumerate(
        fields.entries(raw, Where(path, "alerting"), "inhibit_rules", required=False)
    ):
        where = Where(path, f"alerting.inhibit_rules[{index}]")
        body = fields.mapping(item, where, "-")
        fields.only_keys(body, where, _INHIBIT_KEYS)
        source = _matchers(body, where, "source_matchers")
        target = _matchers(body, where, "target_matchers")
        # Required and non-empty: without equal labels one source alert would mute every
        # target everywhere.
        equal = fields.text_list(body, where, "equal")
        rules.append(InhibitRule(fields.text(body, where, "why"), source, target, equal))
    return tuple(rules)


def _matchers(body: dict[str, Any], where: Where, field: str) -> tuple[Matcher, ...]:
    result = []
    for text in fields.text_list(body, where, field):
        match = _MATCHER_RE.match(text)
        if match is None:
            raise where.error(field, f'{text!r} is not a matcher like severity="page"')
        name, op, value = match.groups()
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise where.error(field, f"{text!r}: bad regex: {exc}") from exc
        result.append(Matcher(name, op, value))
    if not result:
        raise where.error(field, "needs at least one matcher")
    return tuple(result)


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


def _url_or(body: dict[str, Any], where: Where, field: str, default: str) -> str:
    return _url(body, where, field) if field in body else default


def _webhooks(
    body: dict[str, Any], where: Where, severities: tuple[str, ...]
) -> tuple[ReceiverSpec, ...]:
    url = _url(body, where, "webhook_url")
    return tuple(
        ReceiverSpec(name, "webhook", (("url", url),), ())
        for name in (DEFAULT_RECEIVER, *severities)
    )
