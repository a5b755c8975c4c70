"""Typed model of the catalog's `alerts` section and of the SLO burn-rate alerts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs.catalog import fields
from obs.catalog.alert_kinds import (
    ALERT_KINDS,
    AlertRule,
    Always,
    BurnRate,
    QuantileAbove,
    RateAbove,
    RatioAbove,
    TargetAbsent,
    TargetDown,
)
from obs.catalog.combos import bad_and_good, first_label_set, metric_of
from obs.catalog.drill import ALWAYS, drill_condition
from obs.catalog.expressions import Selector, check_selector, parse_selector
from obs.catalog.fields import Where
from obs.catalog.links import PanelRef, parse_panel_ref
from obs.catalog.metrics import MetricSpec
from obs.catalog.numbers import percent, promql_number
from obs.catalog.runbooks import RunbookText, parse_runbook
from obs.catalog.series import SeriesSchema
from obs.catalog.slos import BURN_POLICIES, SloSpec

_NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9]+$")
_GROUP_RE = re.compile(r"^[a-z][a-z0-9-]*$")
_PLACEHOLDER_RE = re.compile(r"\$\{(\w+)\}")
_LABEL_REF_RE = re.compile(r"\{\{\s*\$labels\.(\w+)\s*\}\}")
_COMMON_KEYS = {
    "name",
    "group",
    "kind",
    "for",
    "severity",
    "summary",
    "description",
    "runbook",
    "drill",
    "dashboard",
}
_KIND_KEYS = {
    "target_down": set(),
    "target_absent": set(),
    "always": set(),
    "ratio_above": {"numerator", "denominator", "window", "threshold", "by"},
    "rate_above": {"selector", "window", "threshold", "by"},
    "quantile_above": {"selector", "quantile", "window", "threshold", "by"},
}


@dataclass(frozen=True)
class AlertSpec:
    """One alerting rule with everything its rule, test and runbook need."""

    name: str
    entry: str  # the catalog entry it comes from, for error messages
    group: str
    severity: str
    for_: str
    rule: AlertRule
    summary: str
    description: str
    runbook: RunbookText
    # The fire-drill condition that makes it fire (obs.catalog.drill.DRILL_CONDITIONS).
    drill: str = ""
    # The dashboard panel plotting its expression, linked as `dashboard_url`.
    panel: PanelRef | None = None

    def expr(self) -> str:
        """The rule's PromQL expression."""
        return self.rule.expr()


@dataclass(frozen=True)
class AlertContext:
    """What parsing an alert needs from the rest of the catalog."""

    path: Path
    job: str
    severities: tuple[str, ...]
    schema: SeriesSchema
    metrics: tuple[MetricSpec, ...]


def parse_alerts(raw: Any, ctx: AlertContext) -> tuple[AlertSpec, ...]:
    """Validate the `alerts` list."""
    result: list[AlertSpec] = []
    for index, item in enumerate(fields.entries(raw, Where(ctx.path, "alerts"), "alerts")):
        where = Where(ctx.path, f"alerts[{index}]")
        body = fields.mapping(item, where, "-")
        name = fields.text(body, where, "name")
        if not _NAME_RE.match(name):
            raise where.error("name", f"must be UpperCamelCase, got {name!r}")
        where = Where(ctx.path, f"alerts[{name}]")
        if any(a.name == name for a in result):
            raise where.error("name", "duplicate alert name")
        result.append(_parse_alert(body, name, where, ctx))
    return tuple(result)


def _parse_alert(body: dict[str, Any], name: str, where: Where, ctx: AlertContext) -> AlertSpec:
    kind = body.get("kind")
    if kind not in ALERT_KINDS:
        raise where.error("kind", f"must be one of {list(ALERT_KINDS)}, got {kind!r}")
    fields.only_keys(body, where, _COMMON_KEYS | _KIND_KEYS[kind])
    group = fields.text(body, where, "group")
    if not _GROUP_RE.match(group) or group.startswith("slo-"):
        raise where.error("group", f"must be lower-kebab-case and not start with 'slo-': {group!r}")
    severity = body.get("severity")
    if severity is None:
        raise where.error("severity", "is required (one of " + ", ".join(ctx.severities) + ")")
    if severity not in ctx.severities:
        raise where.error("severity", f"must be one of {list(ctx.severities)}, got {severity!r}")
    rule = _parse_rule(kind, body, where, ctx)
    drill = drill_condition(body, where)
    if (kind == "always") != (drill == ALWAYS):
        # Only an alert with no condition fires without one, and the drill must not apply any.
        raise where.error("drill", f"kind 'always' goes with drill: {ALWAYS}, and only it")
    for_ = fields.duration(body, where, "for")
    values = {**rule.placeholders(), "for": for_}
    return AlertSpec(
        name=name,
        entry=where.entry,
        group=group,
        severity=severity,
        for_=for_,
        rule=rule,
        summary=_fill(fields.text(body, where, "summary"), values, rule, where, "summary"),
        description=_fill(
            fields.text(body, where, "description"), values, rule, where, "description"
        ),
        runbook=parse_runbook(body.get("runbook"), where),
        drill=drill,
        panel=parse_panel_ref(body, where),
    )


def _fill(template: str, values: dict[str, str], rule: AlertRule, where: Where, field: str) -> str:
    """Substitute `${name}` catalog values; keep `{{ $labels.x }}` for Prometheus."""
    for label in _LABEL_REF_RE.findall(template):
        if label not in rule.output_labels():
            raise where.error(
                field, f"$labels.{label} is not a label of this alert {list(rule.output_labels())}"
            )

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise where.error(
                field, f"unknown placeholder ${{{match.group(1)}}}; known: {sorted(values)}"
            )
        return values[match.group(1)]

    return _PLACEHOLDER_RE.sub(value, template)


def _parse_rule(kind: str, body: dict[str, Any], where: Where, ctx: AlertContext) -> AlertRule:
    if kind == "target_down":
        return TargetDown(ctx.job)
    if kind == "target_absent":
        return TargetAbsent(ctx.job)
    if kind == "always":
        return Always()
    window = fields.duration(body, where, "window")
    threshold = fields.number(body, where, "threshold")
    if threshold < 0:
        raise where.error("threshold", f"must not be negative, got {threshold!r}")
    if kind == "ratio_above":
        return _ratio(body, where, ctx, window, fields.fraction(body, where, "threshold"))
    selector, metric = _selector(body, where, ctx, "selector")
    by = _by(body, where, metric)
    if first_label_set(selector, metric, ctx.job) is None:
        raise where.error("selector", "selects none of the metric's label combinations")
    if kind == "rate_above":
        return RateAbove(selector, window, threshold, by)
    if metric.type != "histogram" or not selector.metric.endswith("_bucket"):
        raise where.error("selector", "a quantile_above alert selects a histogram's _bucket series")
    if threshold not in metric.buckets[1:]:
        raise where.error(
            "threshold", f"must be a bucket boundary above the first of {list(metric.buckets)}"
        )
    return QuantileAbove(
        selector, fields.fraction(body, where, "quantile"), window, threshold, metric.buckets, by
    )


def _ratio(
    body: dict[str, Any], where: Where, ctx: AlertContext, window: str, threshold: float
) -> RatioAbove:
    numerator, metric = _selector(body, where, ctx, "numerator")
    denominator, _ = _selector(body, where, ctx, "denominator")
    if numerator.metric != denominator.metric:
        raise where.error(
            "denominator", f"must select the same metric as numerator ({numerator.metric})"
        )
    by = _by(body, where, metric)
    if bad_and_good(numerator, denominator, metric, ctx.job, by) is None:
        raise where.error(
            "numerator", "must select a strict subset of the denominator's label combinations"
        )
    return RatioAbove(numerator, denominator, window, threshold, by)


def _selector(
    body: dict[str, Any], where: Where, ctx: AlertContext, field: str
) -> tuple[Selector, MetricSpec]:
    selector = parse_selector(fields.text(body, where, field), where, field)
    check_selector(selector, ctx.schema, where, field)
    metric = metric_of(selector.metric, ctx.metrics)
    if metric is None or metric.type not in ("counter", "histogram"):
        raise where.error(field, f"{selector.metric} is not a counter or histogram series")
    return selector, metric


def _by(body: dict[str, Any], where: Where, metric: MetricSpec) -> tuple[str, ...]:
    raw = body.get("by", [])
    if not isinstance(raw, list) or not all(isinstance(b, str) for b in raw):
        raise where.error("by", "must be a list of label names")
    for label in raw:
        if label not in metric.labels:
            raise where.error(
                "by", f"label {label!r} is not a label of {metric.name} ({list(metric.labels)})"
            )
    return tuple(raw)


def slo_alerts(slos: tuple[SloSpec, ...]) -> tuple[AlertSpec, ...]:
    """Build the page and ticket burn-rate alerts of every SLO."""
    result = []
    for slo in slos:
        for policy in BURN_POLICIES:
            pairs = " or ".join(
                f"{w.long} and {w.short} above {promql_number(w.factor)}x" for w in policy.windows
            )
            result.append(
                AlertSpec(
                    name=slo.alert_name(policy),
                    entry=f"slos[{slo.name}]",
                    group=f"slo-{slo.name}",
                    severity=policy.severity,
                    for_=policy.for_,
                    rule=BurnRate(slo.name, slo.burn_expr(policy)),
                    summary=f"{slo.name} SLO is burning its error budget too fast",
                    description=(
                        f"{slo.description} Objective {percent(slo.objective)} over "
                        f"{slo.period}; the error budget burn rate is {pairs} "
                        f"(multi-window, {policy.severity})."
                    ),
                    runbook=slo.runbook,
                    drill=slo.drill,
                    panel=slo.panel,
                )
            )
    return tuple(result)
