"""The baseline chart: throughput against offered load, latency quantiles, the proposals."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on CI or a server; must precede pyplot

import matplotlib.pyplot as plt

from obs.calibrate.measure import StepResult
from obs.calibrate.rules import Proposal, is_healthy


def draw(steps: Sequence[StepResult], proposals: Sequence[Proposal], out: Path) -> None:
    """Write a two-panel PNG: left throughput, right p50/p95/p99, thresholds drawn on both."""
    offered = [s.offered_rps for s in steps]
    by_target = {p.target: p for p in proposals}
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))

    left.plot(offered, offered, linestyle=":", color="grey", label="offered (ideal)")
    left.plot(offered, [s.throughput_rps for s in steps], marker="o", label="answered")
    for step in steps:
        if not is_healthy(step):
            left.scatter([step.offered_rps], [step.throughput_rps], color="red", zorder=3)
    volume = by_target.get("alert HighRequestVolume")
    if volume is not None:
        left.axhline(
            volume.proposed,
            color="orange",
            linestyle="--",
            label=f"HighRequestVolume {volume.proposed:g} req/s",
        )
    left.set_xlabel("offered load (req/s)")
    left.set_ylabel("answered (req/s)")
    left.set_title("Throughput (red: saturated steps)")
    left.legend(loc="upper left", fontsize="small")

    for column, label in (("p50_s", "p50"), ("p95_s", "p95"), ("p99_s", "p99")):
        right.plot(offered, [getattr(s, column) * 1000 for s in steps], marker="o", label=label)
    for target, colour in (("alert HighLatencyP95", "orange"), ("slo latency", "purple")):
        proposal = by_target.get(target)
        if proposal is not None:
            right.axhline(
                proposal.proposed * 1000,
                color=colour,
                linestyle="--",
                label=f"{target.split()[-1]} {proposal.proposed * 1000:g} ms",
            )
    if volume is not None:
        right.axvline(volume.proposed, color="grey", linestyle=":", label="expected load")
    right.set_yscale("log")
    right.set_xlabel("offered load (req/s)")
    right.set_ylabel("latency (ms, log)")
    right.set_title("/process latency from the backend's histogram")
    right.legend(loc="upper left", fontsize="small")

    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
