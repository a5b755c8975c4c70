"""Turn measured steps into proposed thresholds, each with the rule that produced it.

Pure functions over the baseline's steps, so every rule and every refusal has a unit test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from obs.calibrate.measure import StepResult

# A step is healthy while the backend answers what it is offered, without errors.
HEALTHY_THROUGHPUT_SHARE = 0.9
HEALTHY_ERROR_RATIO = 0.01


@dataclass(frozen=True)
class Policy:
    """The rules' parameters; each proposal's text states the ones it used."""

    # The volume alert warns at this share of measured capacity.
    volume_share: float = 0.25
    # Latency thresholds sit this far above what the expected load measured...
    p95_margin: float = 4.0
    p99_margin: float = 2.0
    # ...and never below this: the drill's failing-upstream condition (retries with
    # backoff) and a busy CI host's scheduling noise must not cross a latency threshold.
    latency_floor_s: float = 0.25


@dataclass(frozen=True)
class Proposal:
    """One threshold to change: where, from what, to what, and the rule that produced it."""

    target: str  # "alert HighRequestVolume" or "slo latency"
    field: str
    current: float
    proposed: float
    rule: str


class CalibrationError(ValueError):
    """The measurement cannot support a proposal (no healthy step, too few steps)."""


def is_healthy(step: StepResult) -> bool:
    """Answered at least 90% of its offered rate with under 1% errors."""
    return (
        step.throughput_rps >= HEALTHY_THROUGHPUT_SHARE * step.offered_rps
        and not math.isnan(step.error_ratio)
        and step.error_ratio < HEALTHY_ERROR_RATIO
    )


def capacity(steps: Sequence[StepResult]) -> float:
    """Return the highest throughput a healthy step sustained; refuse if none saturated."""
    healthy = [s for s in steps if is_healthy(s)]
    if not healthy:
        raise CalibrationError(
            "no step was healthy (>=90% of the offered rate answered, <1% errors): "
            "start lower (--start-rps) or check the backend"
        )
    if len(healthy) == len(steps):
        raise CalibrationError(
            f"the backend never saturated up to {steps[-1].offered_rps:g} req/s: the capacity "
            "is unknown, raise --max-rps"
        )
    return max(s.throughput_rps for s in healthy)


def at_load(steps: Sequence[StepResult], rps: float) -> StepResult:
    """Return the first healthy step offered at least rps (the conservative side)."""
    healthy = [s for s in steps if is_healthy(s)]
    for step in sorted(healthy, key=lambda s: s.offered_rps):
        if step.offered_rps >= rps:
            return step
    return max(healthy, key=lambda s: s.offered_rps)


def round_down(value: float, digits: int = 2) -> float:
    """Round down to `digits` significant figures (1234 -> 1200)."""
    if value <= 0:
        return 0.0
    scale = 10 ** (math.floor(math.log10(value)) - digits + 1)
    return float(math.floor(value / scale) * scale)


def bucket_at_or_above(value: float, buckets: Sequence[float]) -> float:
    """Return the smallest finite bucket boundary >= value (thresholds must be boundaries)."""
    for bound in sorted(b for b in buckets if math.isfinite(b)):
        if bound >= value - 1e-12:
            return bound
    raise CalibrationError(
        f"{value:g}s is above the histogram's last bucket ({max(buckets):g}s): "
        "no threshold can be exact there"
    )


def propose(
    steps: Sequence[StepResult],
    *,
    buckets: Sequence[float],
    current: dict[tuple[str, str], float],
    policy: Policy = Policy(),
    flood_rate: float = math.inf,
    flood_margin: float = 1.0,
) -> list[Proposal]:
    """Return the volume, p95 and latency-SLO proposals with the rule text of each."""
    cap = capacity(steps)
    share = policy.volume_share * cap
    drillable = flood_rate / flood_margin
    volume = round_down(min(share, drillable))
    volume_rule = (
        f"{policy.volume_share:.0%} of the measured capacity {cap:g} req/s (the most a "
        "healthy step answered: >=90% of its offered rate, <1% errors)"
    )
    if drillable < share:
        volume_rule += (
            f" would be {share:g}; capped at {drillable:g} so the drill can prove it (its "
            f"request_flood sends {flood_rate:g} req/s, {flood_margin:g}x the threshold)"
        )
    expected = at_load(steps, volume)
    p95_want = max(policy.p95_margin * expected.p95_s, policy.latency_floor_s)
    p99_want = max(policy.p99_margin * expected.p99_s, policy.latency_floor_s)
    p95 = bucket_at_or_above(p95_want, buckets)
    p99 = bucket_at_or_above(p99_want, buckets)
    load = f"the step offered {expected.offered_rps:g} req/s (the first at or above {volume:g})"
    floor = f"never below {policy.latency_floor_s * 1000:g} ms"
    return [
        Proposal(
            "alert HighRequestVolume",
            "threshold",
            current[("alert HighRequestVolume", "threshold")],
            volume,
            volume_rule + ", rounded down to two significant figures",
        ),
        Proposal(
            "alert HighLatencyP95",
            "threshold",
            current[("alert HighLatencyP95", "threshold")],
            p95,
            f"the first histogram bucket boundary at or above {policy.p95_margin:g}x the p95 "
            f"of {load} ({expected.p95_s * 1000:.2f} ms), {floor}",
        ),
        Proposal(
            "slo latency",
            "threshold_seconds",
            current[("slo latency", "threshold_seconds")],
            p99,
            f"the first histogram bucket boundary at or above {policy.p99_margin:g}x the p99 "
            f"of {load} ({expected.p99_s * 1000:.2f} ms), {floor}",
        ),
    ]


def threshold_problems(
    thresholds: dict[tuple[str, str], float],
    steps: Sequence[StepResult],
    *,
    flood_rate: float,
    flood_margin: float,
    slow_upstream_s: float,
) -> list[str]:
    """Name every threshold the drill cannot reach or that the baseline's healthy load crosses.

    thresholds: the volume ("alert HighRequestVolume", "threshold") and the latency ones
    (alerts' "threshold" in seconds, the SLO's "threshold_seconds").
    """
    problems: list[str] = []
    cap = capacity(steps)
    for (target, field), value in sorted(thresholds.items()):
        if target == "alert HighRequestVolume":
            if value * flood_margin > flood_rate:
                problems.append(
                    f"{target}: {field} {value:g} req/s cannot be drilled: the request_flood "
                    f"condition sends {flood_rate:g} req/s, and needs {flood_margin:g}x the "
                    "threshold to clear it"
                )
            if value >= cap:
                problems.append(
                    f"{target}: {field} {value:g} req/s is at or above the measured capacity "
                    f"of {cap:g} req/s: the backend saturates before it fires"
                )
            continue
        if value >= slow_upstream_s:
            problems.append(
                f"{target}: {field} {value:g}s cannot be drilled: the upstream_slow condition "
                f"makes /process take {slow_upstream_s:g}s, not more"
            )
        volume = thresholds.get(("alert HighRequestVolume", "threshold"))
        if volume is None:
            continue
        expected = at_load(steps, volume)
        measured = expected.p99_s if field == "threshold_seconds" else expected.p95_s
        if value <= measured:
            which = "p99" if field == "threshold_seconds" else "p95"
            problems.append(
                f"{target}: {field} {value:g}s is crossed by healthy traffic: the baseline "
                f"measured a {which} of {measured:g}s at {expected.offered_rps:g} req/s"
            )
    return problems
