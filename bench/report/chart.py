"""Draw throughput and p99 per load variant as one PNG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on CI or a server; must precede pyplot

import matplotlib.pyplot as plt

from bench.stats import median
from bench.wrk_output import WrkResult


def draw_load_chart(
    runs: Mapping[str, Sequence[WrkResult]],
    labels: Mapping[str, str],
    baseline: str,
    p99_limit_ms: float,
    path: Path,
    *,
    limit_label: str | None = None,
) -> Path:
    """Write a two-panel bar chart (req/s, p99) with every repetition as a dot."""
    names = list(runs)
    xs = range(len(names))
    rps = [median([r.requests_per_s for r in runs[n]]) for n in names]
    p99 = [median([r.p99_ms for r in runs[n]]) for n in names]
    base_rps = median([r.requests_per_s for r in runs[baseline]])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), dpi=110)
    colors = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]

    left.bar(xs, rps, color=colors[: len(names)])
    for x, name in zip(xs, names, strict=True):
        left.scatter(
            [x] * len(runs[name]),
            [r.requests_per_s for r in runs[name]],
            color="black",
            s=12,
            zorder=3,
        )
    for x, value in zip(xs, rps, strict=True):
        left.annotate(
            f"{value / base_rps:.2f}x {labels[baseline]}",
            (x, value),
            ha="center",
            va="bottom",
            fontsize=9,
            xytext=(0, 4),
            textcoords="offset points",
        )
    left.set_title("Throughput (median of repetitions; dots = each run)")
    left.set_ylabel("requests / s")

    right.bar(xs, p99, color=colors[: len(names)])
    for x, name in zip(xs, names, strict=True):
        right.scatter(
            [x] * len(runs[name]), [r.p99_ms for r in runs[name]], color="black", s=12, zorder=3
        )
    right.axhline(p99_limit_ms, color="#c44e52", linestyle="--", linewidth=1.2)
    # Drawn above the bars (zorder) on a white box so no bar can hide the bar's label.
    right.annotate(
        limit_label or f"bar: p99 < {p99_limit_ms:g} ms",
        (-0.45, p99_limit_ms),
        ha="left",
        va="bottom",
        fontsize=9,
        color="#c44e52",
        zorder=4,
        xytext=(0, 3),
        textcoords="offset points",
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
    )
    right.set_title("p99 latency at 64 connections")
    right.set_ylabel("milliseconds")

    for axis in (left, right):
        axis.set_xticks(list(xs), [labels[n] for n in names], rotation=12, ha="right")
        axis.grid(axis="y", alpha=0.3)
        axis.set_axisbelow(True)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
