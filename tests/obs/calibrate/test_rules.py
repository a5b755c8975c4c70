"""The calibration rules: capacity, proposals and the thresholds refused, from made-up steps."""

from __future__ import annotations

import math

import pytest

from obs.calibrate.measure import StepResult
from obs.calibrate.rules import (
    CalibrationError,
    Policy,
    bucket_at_or_above,
    capacity,
    propose,
    round_down,
    threshold_problems,
)

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, math.inf)
CURRENT = {
    ("alert HighRequestVolume", "threshold"): 50.0,
    ("alert HighLatencyP95", "threshold"): 0.5,
    ("slo latency", "threshold_seconds"): 0.25,
}


def step(offered: float, answered: float, p95: float, *, errors: float = 0.0) -> StepResult:
    return StepResult(
        offered_rps=offered,
        throughput_rps=answered,
        missed=0,
        p50_s=p95 / 2,
        p95_s=p95,
        p99_s=p95 * 1.5,
        error_ratio=errors,
        deny_ratio=0.0,
        cpu_percent=50.0,
        rss_mib=60.0,
        answered=int(answered * 5),
        source="/metrics",
    )


STEPS = [step(100, 100, 0.002), step(200, 199, 0.003), step(400, 398, 0.06), step(800, 500, 0.4)]


def test_capacity_is_the_best_healthy_step_and_needs_a_saturated_one() -> None:
    assert capacity(STEPS) == 398
    with pytest.raises(CalibrationError, match="never saturated up to 400 req/s"):
        capacity(STEPS[:3])
    with pytest.raises(CalibrationError, match="no step was healthy"):
        capacity([step(100, 50, 0.01)])
    # An erroring step is not healthy however fast it answers.
    assert capacity([step(100, 100, 0.002), step(200, 200, 0.002, errors=0.05)]) == 100


def test_rounding_and_bucket_snapping() -> None:
    assert round_down(1234.5) == 1200 and round_down(99.4) == 99 and round_down(0) == 0
    assert bucket_at_or_above(0.26, BUCKETS) == 0.5
    assert bucket_at_or_above(0.25, BUCKETS) == 0.25
    with pytest.raises(CalibrationError, match="above the histogram's last bucket"):
        bucket_at_or_above(3.0, BUCKETS)


def test_proposals_follow_their_stated_rules() -> None:
    proposals = propose(STEPS, buckets=BUCKETS, current=CURRENT, policy=Policy(volume_share=0.5))
    by = {p.target: p for p in proposals}
    assert by["alert HighRequestVolume"].proposed == 190  # 50% of 398, two figures
    assert "50% of the measured capacity 398 req/s" in by["alert HighRequestVolume"].rule
    # Expected load 190 -> the 200 req/s step: p95 3 ms x4 = 12 ms, under the 250 ms floor.
    assert by["alert HighLatencyP95"].proposed == 0.25
    assert "never below 250 ms" in by["alert HighLatencyP95"].rule


def test_a_slower_backend_moves_the_latency_proposals_up() -> None:
    slow = [step(100, 100, 0.09), step(200, 199, 0.11), step(400, 300, 0.5)]
    by = {p.target: p for p in propose(slow, buckets=BUCKETS, current=CURRENT)}
    # 25% of 199 = 49 req/s -> the 100 req/s step: p95 90 ms x4 = 360 ms -> the 500 ms bucket.
    assert by["alert HighLatencyP95"].proposed == 0.5
    # p99 135 ms x2 = 270 ms -> 500 ms.
    assert by["slo latency"].proposed == 0.5


def test_the_volume_proposal_is_capped_where_the_drill_can_still_prove_it() -> None:
    proposals = propose(STEPS, buckets=BUCKETS, current=CURRENT, flood_rate=120.0, flood_margin=2.0)
    volume = next(p for p in proposals if p.target == "alert HighRequestVolume")
    assert volume.proposed == 60
    assert "capped at 60 so the drill can prove it" in volume.rule


def test_thresholds_the_drill_cannot_reach_or_healthy_load_crosses_are_named() -> None:
    problems = threshold_problems(
        {
            ("alert HighRequestVolume", "threshold"): 400.0,
            ("alert HighLatencyP95", "threshold"): 0.05,
            ("slo latency", "threshold_seconds"): 1.0,
        },
        STEPS,
        flood_rate=120.0,
        flood_margin=2.0,
        slow_upstream_s=0.7,
    )
    assert problems == [
        "alert HighLatencyP95: threshold 0.05s is crossed by healthy traffic: the baseline "
        "measured a p95 of 0.06s at 400 req/s",
        "alert HighRequestVolume: threshold 400 req/s cannot be drilled: the request_flood "
        "condition sends 120 req/s, and needs 2x the threshold to clear it",
        "alert HighRequestVolume: threshold 400 req/s is at or above the measured capacity "
        "of 398 req/s: the backend saturates before it fires",
        "slo latency: threshold_seconds 1s cannot be drilled: the upstream_slow condition "
        "makes /process take 0.7s, not more",
    ]
    fine = threshold_problems(
        CURRENT, STEPS, flood_rate=120.0, flood_margin=2.0, slow_upstream_s=0.7
    )
    assert fine == []
