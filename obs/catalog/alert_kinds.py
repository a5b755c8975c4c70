"""The typed alert kinds: each knows its PromQL and the labels its alerts carry."""

from __future__ import annotations

from dataclasses import dataclass

from obs.catalog.expressions import Selector
from obs.catalog.numbers import percent, promql_number


def _sum(by: tuple[str, ...], inner: str) -> str:
    return f"sum by ({', '.join(by)}) ({inner})" if by else f"sum({inner})"


@dataclass(frozen=True)
class TargetDown:
    """The backend's scrape target answers but reports down (`up == 0`)."""

    job: str

    def expr(self) -> str:
        return f'up{{job="{self.job}"}} == 0'

    def output_labels(self) -> tuple[str, ...]:
        return ("instance", "job")

    def placeholders(self) -> dict[str, str]:
        return {"job": self.job}


@dataclass(frozen=True)
class TargetAbsent:
    """Prometheus has no scrape target for the backend job at all."""

    job: str

    def expr(self) -> str:
        return f'absent(up{{job="{self.job}"}})'

    def output_labels(self) -> tuple[str, ...]:
        return ("job",)

    def placeholders(self) -> dict[str, str]:
        return {"job": self.job}


@dataclass(frozen=True)
class RatioAbove:
    """The share of numerator events among denominator events exceeds a fraction."""

    numerator: Selector
    denominator: Selector
    window: str
    threshold: float
    by: tuple[str, ...]

    def expr(self) -> str:
        num = _sum(self.by, f"rate({self.numerator.render()}[{self.window}])")
        den = _sum(self.by, f"rate({self.denominator.render()}[{self.window}])")
        return f"{num}\n/\n{den}\n> {promql_number(self.threshold)}"

    def output_labels(self) -> tuple[str, ...]:
        return self.by

    def placeholders(self) -> dict[str, str]:
        return {
            "threshold": promql_number(self.threshold),
            "threshold_percent": percent(self.threshold),
            "window": self.window,
        }


@dataclass(frozen=True)
class RateAbove:
    """The per-second rate of a counter exceeds a number."""

    selector: Selector
    window: str
    threshold: float
    by: tuple[str, ...]

    def expr(self) -> str:
        inner = _sum(self.by, f"rate({self.selector.render()}[{self.window}])")
        return f"{inner} > {promql_number(self.threshold)}"

    def output_labels(self) -> tuple[str, ...]:
        return self.by

    def placeholders(self) -> dict[str, str]:
        return {"threshold": promql_number(self.threshold), "window": self.window}


@dataclass(frozen=True)
class QuantileAbove:
    """A latency quantile from a histogram exceeds a bucket boundary."""

    selector: Selector
    quantile: float
    window: str
    threshold: float
    buckets: tuple[float, ...]
    by: tuple[str, ...]

    def expr(self) -> str:
        inner = _sum(("le", *self.by), f"rate({self.selector.render()}[{self.window}])")
        q = promql_number(self.quantile)
        return f"histogram_quantile({q}, {inner}) > {promql_number(self.threshold)}"

    def output_labels(self) -> tuple[str, ...]:
        return self.by

    def placeholders(self) -> dict[str, str]:
        return {
            "threshold": promql_number(self.threshold),
            "threshold_ms": f"{round(self.threshold * 1000, 6):g} ms",
            "quantile": f"p{round(self.quantile * 100, 6):g}",
            "window": self.window,
        }


@dataclass(frozen=True)
class BurnRate:
    """An SLO's error budget burns too fast over both windows of any window pair."""

    slo: str
    expression: str

    def expr(self) -> str:
        return self.expression

    def output_labels(self) -> tuple[str, ...]:
        return ("slo",)

    def placeholders(self) -> dict[str, str]:
        return {"slo": self.slo}


@dataclass(frozen=True)
class Always:
    """Fires at every evaluation: a dead man's switch, whose silence means delivery broke."""

    def expr(self) -> str:
        return "vector(1)"

    def output_labels(self) -> tuple[str, ...]:
        return ()

    def placeholders(self) -> dict[str, str]:
        return {}


AlertRule = TargetDown | TargetAbsent | RatioAbove | RateAbove | QuantileAbove | BurnRate | Always
ALERT_KINDS = (
    "target_down",
    "target_absent",
    "ratio_above",
    "rate_above",
    "quantile_above",
    "always",
)
