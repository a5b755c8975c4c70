"""Typed model of the catalog's `slos` section and the burn-rate windows they use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from obs.catalog import fields
from obs.catalog.drill import drill_condition
from obs.catalog.expressions import LabelMatcher, Selector, check_selector, parse_selector
from obs.catalog.fields import Where
from obs.catalog.links import PanelRef, parse_panel_ref
from obs.catalog.metrics import MetricSpec
from obs.catalog.numbers import promql_number
from obs.catalog.runbooks import RunbookText, parse_runbook
from obs.catalog.series import LabelValues, SeriesSchema, le_value

SloKind = Literal["availability", "latency"]
SLO_KINDS: tuple[SloKind, ...] = ("availability", "latency")
RECORDED_PREFIX = "techno:slo_errors:ratio_rate"
_KEYS = {
    "name",
    "kind",
    "description",
    "objective",
    "period",
    "errors",
    "total",
    "threshold_seconds",
    "runbook",
    "drill",
    "dashboard",
}


@dataclass(frozen=True)
class BurnWindow:
    """A long and a short window that must both burn faster than `factor`."""

    long: str
    short: str
    factor: float


@dataclass(frozen=True)
class BurnPolicy:
    """One severity of multi-window multi-burn-rate alert (Google SRE workbook, ch. 5)."""

    severity: str
    suffix: str
    for_: str
    windows: tuple[BurnWindow, ...]


BURN_POLICIES = (
    BurnPolicy("page", "Page", "2m", (BurnWindow("1h", "5m", 14.4), BurnWindow("6h", "30m", 6))),
    BurnPolicy("ticket", "Ticket", "15m", (BurnWindow("1d", "2h", 3), BurnWindow("3d", "6h", 1))),
)
RECORDED_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


@dataclass(frozen=True)
class SloSpec:
    """A service level objective over a ratio of bad to total events."""

    name: str
    kind: SloKind
    description: str
    objective: float
    period: str
    total: Selector
    errors: Selector | None
    threshold_seconds: float | None
    runbook: RunbookText
    # The fire-drill condition that makes its burn-rate alerts fire.
    drill: str = ""
    # The dashboard panel plotting its burn-rate alerts' expressions.
    panel: PanelRef | None = None

    @property
    def windows(self) -> tuple[str, ...]:
        """Every window a recording rule is kept for: burn-rate windows and the period."""
        return tuple(dict.fromkeys((*RECORDED_WINDOWS, self.period)))

    @property
    def error_budget(self) -> str:
        """The allowed error ratio as a PromQL expression, e.g. `(1 - 0.999)`."""
        return f"(1 - {promql_number(self.objective)})"

    def good_selector(self) -> Selector:
        """For a latency SLO: the bucket at the threshold (requests fast enough)."""
        assert self.threshold_seconds is not None

        base = self.total.metric.removesuffix("_count") + "_bucket"
        le = LabelMatcher("le", "=", le_value(self.threshold_seconds))
        return Selector(base, (*self.total.matchers, le))

    def error_ratio(self, window: str) -> str:
        """PromQL for the fraction of bad events over `window`."""
        total = f"sum(rate({self.total.render()}[{window}]))"
        if self.errors is not None:
            return f"sum(rate({self.errors.render()}[{window}])) / {total}"
        return f"1 - (sum(rate({self.good_selector().render()}[{window}])) / {total})"

    def recorded(self, window: str) -> str:
        """The recording-rule series that holds the error ratio over `window`."""
        return f'{RECORDED_PREFIX}{window}{{slo="{self.name}"}}'

    def alert_name(self, policy: BurnPolicy) -> str:
        """Name of the burn-rate alert of this SLO for one severity."""
        return f"{self.name.title().replace('_', '')}SLOBurnRate{policy.suffix}"

    def burn_expr(self, policy: BurnPolicy) -> str:
        """PromQL that fires when both windows of any pair burn faster than their factor."""
        clauses = [
            f"({self.recorded(w.long)} > ({promql_number(w.factor)} * {self.error_budget})"
            f" and {self.recorded(w.short)} > ({promql_number(w.factor)} * {self.error_budget}))"
            for w in policy.windows
        ]
        return "\nor\n".join(clauses)


def recorded_series(slos: tuple[SloSpec, ...]) -> tuple[tuple[str, ...], dict[str, LabelValues]]:
    """Return the recording-rule names the SLOs produce and their label set."""
    names = sorted({f"{RECORDED_PREFIX}{w}" for slo in slos for w in slo.windows})
    return tuple(names), {"slo": tuple(slo.name for slo in slos)}


def parse_slos(
    raw: Any, path: Path, schema: SeriesSchema, metrics: tuple[MetricSpec, ...]
) -> tuple[SloSpec, ...]:
    """Validate the `slos` list against the scraped series."""
    result: list[SloSpec] = []
    for index, item in enumerate(fields.entries(raw, Where(path, "slos"), "slos")):
        where = Where(path, f"slos[{index}]")
        body = fields.mapping(item, where, "-")
        name = fields.text(body, where, "name")
        if not name.replace("_", "").isalnum() or not name.islower():
            raise where.error("name", f"must be lower_snake_case, got {name!r}")
        where = Where(path, f"slos[{name}]")
        if any(s.name == name for s in result):
            raise where.error("name", "duplicate SLO name")
        fields.only_keys(body, where, _KEYS)
        result.append(_parse_slo(body, name, where, schema, metrics))
    return tuple(result)


def _parse_slo(
    body: dict[str, Any],
    name: str,
    where: Where,
    schema: SeriesSchema,
    metrics: tuple[MetricSpec, ...],
) -> SloSpec:
    kind = body.get("kind")
    if kind not in SLO_KINDS:
        raise where.error("kind", f"must be one of {list(SLO_KINDS)}, got {kind!r}")
    total = parse_selector(fields.text(body, where, "total"), where, "total")
    check_selector(total, schema, where, "total")
    errors: Selector | None = None
    threshold: float | None = None
    if kind == "availability":
        errors = parse_selector(fields.text(body, where, "errors"), where, "errors")
        check_selector(errors, schema, where, "errors")
        if errors.metric != total.metric:
            raise where.error("errors", f"must select the same metric as total ({total.metric})")
    else:
        threshold = fields.number(body, where, "threshold_seconds")
        histogram = next(
            (m for m in metrics if m.type == "histogram" and f"{m.name}_count" == total.metric),
            None,
        )
        if histogram is None:
            raise where.error("total", "a latency SLO counts a histogram's _count series")
        if threshold not in histogram.buckets[:-1]:
            raise where.error(
                "threshold_seconds",
                f"must be a bucket boundary below the last of {histogram.name} "
                f"{list(histogram.buckets)}",
            )
    return SloSpec(
        name=name,
        kind=kind,
        description=fields.text(body, where, "description"),
        objective=fields.fraction(body, where, "objective"),
        period=fields.duration(body, where, "period"),
        total=total,
        errors=errors,
        threshold_seconds=threshold,
        runbook=parse_runbook(body.get("runbook"), where),
        drill=drill_condition(body, where),
        # Left out, the SLO's burn-rate panel on the dashboard with `slo_panels` is linked.
        panel=parse_panel_ref(body, where) if "dashboard" in body else None,
    )
