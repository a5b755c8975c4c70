"""A drift- and outlier-resistant comparison of two interleaved latency samples."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

BLOCKS = 10
# Below this an attacker on loopback, with thousands of tries, still cannot tell the two
# apart from scheduler noise; over a real network the jitter is larger still.
ABSOLUTE_FLOOR_US = 50.0
RELATIVE_TOLERANCE = 0.10


@dataclass(frozen=True)
class TimingGap:
    """Median latencies of two arms and the robust gap between them, in microseconds."""

    median_a_us: float
    median_b_us: float
    gap_us: float
    tolerance_us: float

    @property
    def usable(self) -> bool:
        """Return whether the gap is large enough to tell the arms apart."""
        return abs(self.gap_us) > self.tolerance_us


def blockwise_gap(a_us: Sequence[float], b_us: Sequence[float], blocks: int = BLOCKS) -> TimingGap:
    """Return the median over consecutive blocks of (median A - median B).

    The arms were sampled interleaved in random order, so slow drift (CPU frequency, a
    background task) hits both arms of a block alike and cancels in the difference;
    medians ignore the long tail of scheduler hiccups.
    """
    if min(len(a_us), len(b_us)) < blocks * 10:
        raise ValueError(f"need at least {blocks * 10} samples per arm")
    size_a, size_b = len(a_us) // blocks, len(b_us) // blocks
    gaps = [
        statistics.median(a_us[i * size_a : (i + 1) * size_a])
        - statistics.median(b_us[i * size_b : (i + 1) * size_b])
        for i in range(blocks)
    ]
    median_a, median_b = statistics.median(a_us), statistics.median(b_us)
    tolerance = max(ABSOLUTE_FLOOR_US, RELATIVE_TOLERANCE * min(median_a, median_b))
    return TimingGap(
        round(median_a, 1),
        round(median_b, 1),
        round(statistics.median(gaps), 1),
        round(tolerance, 1),
    )
