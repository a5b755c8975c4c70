"""Pipeline throughput and latency against bare aiohttp and the FastAPI twin, plus fsync cost."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench import load_variants
from bench.load import WRK_CPU, Progress, raw_runs, run_load
from bench.plan import BenchPlan
from bench.processes import free_port
from bench.report.chart import draw_load_chart
from bench.report.figures import Bar, Figure, PartResult
from bench.stats import median, ratio, relative_spread
from bench.wrk_output import WrkResult
from bench.wrk_runner import LoadShape

PIPELINE_VS_BARE = Bar(">=", 0.55)
PIPELINE_VS_FASTAPI = Bar(">=", 2.0)
# Against bare aiohttp's p99 in the same run: absolute milliseconds on a shared
# machine swing by 3x, so they are raw data only.
P99_VS_BARE = 1.5
NO_FAILURES = Bar("==", 0)


def measure_load(plan: BenchPlan, out_dir: Path, progress: Progress) -> list[PartResult]:
    """Run the load variants and return the `load` and (if planned) `durability` parts."""
    work = out_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    try:
        api_key = load_variants.create_operator_key(work)
        variants = [
            load_variants.bare_aiohttp(free_port()),
            load_variants.pipeline(free_port(), work, api_key),
            load_variants.fastapi_twin(free_port(), work, api_key),
        ]
        if "durability" in plan.parts:
            variants.append(load_variants.pipeline(free_port(), work, api_key, durability="fsync"))
        shape = LoadShape(
            connections=plan.connections,
            threads=1,
            duration_s=plan.duration_s,
            cpu=WRK_CPU if plan.pin_cpus else None,
        )
        load_run = run_load(
            variants,
            shape,
            warmup_s=plan.warmup_s,
            repetitions=plan.repetitions,
            log_dir=out_dir,
            progress=progress,
        )
        audit = {
            v.name: _audit_lines_per_request(v.audit_path, load_run.requests_sent(v.name))
            for v in variants
            if v.audit_path is not None
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    runs = load_run.measured
    labels = {v.name: v.label for v in variants}
    p99_limit_ms = P99_VS_BARE * _p99(runs, "bare_aiohttp")
    chart = draw_load_chart(
        runs,
        labels,
        "bare_aiohttp",
        p99_limit_ms,
        out_dir / "load.png",
        limit_label=f"bar: p99 <= {P99_VS_BARE:g}x bare ({p99_limit_ms:.1f} ms)",
    )
    load = PartResult(
        "load",
        figures=_load_figures(runs),
        raw={
            "variants": labels,
            "runs": raw_runs(runs),
            "medians": {name: _medians(r) for name, r in runs.items()},
            "audit_lines_per_request": audit,
            "chart": str(chart),
        },
    )
    parts = [load]
    if "pipeline_fsync" in runs:
        parts.append(PartResult("durability", figures=_durability_figures(runs)))
    return parts


def _medians(runs: list[WrkResult]) -> dict[str, float]:
    rps = [r.requests_per_s for r in runs]
    return {
        "requests_per_s": median(rps),
        "requests_per_s_spread": relative_spread(rps),
        "p50_ms": median([r.p50_ms for r in runs]),
        "p90_ms": median([r.p90_ms for r in runs]),
        "p99_ms": median([r.p99_ms for r in runs]),
        "failures_total": sum(r.failures for r in runs),
    }


def _rps(runs: dict[str, list[WrkResult]], name: str) -> float:
    return median([r.requests_per_s for r in runs[name]])


def _p99(runs: dict[str, list[WrkResult]], name: str) -> float:
    return median([r.p99_ms for r in runs[name]])


def _load_figures(runs: dict[str, list[WrkResult]]) -> list[Figure]:
    pipeline, bare, twin = (
        _rps(runs, "pipeline"),
        _rps(runs, "bare_aiohttp"),
        _rps(runs, "fastapi_twin"),
    )
    figures = [
        Figure(
            "load",
            "pipeline throughput",
            ratio(pipeline, bare),
            "x",
            "bare aiohttp",
            PIPELINE_VS_BARE,
        ),
        Figure(
            "load",
            "pipeline throughput",
            ratio(pipeline, twin),
            "x",
            "FastAPI twin",
            PIPELINE_VS_FASTAPI,
        ),
        Figure("load", "FastAPI twin throughput", ratio(twin, bare), "x", "bare aiohttp"),
        Figure(
            "load",
            "pipeline p99",
            ratio(_p99(runs, "pipeline"), _p99(runs, "bare_aiohttp")),
            "x",
            "bare aiohttp p99",
            Bar("<=", P99_VS_BARE),
        ),
        Figure(
            "load", "pipeline p99 (raw, median)", _p99(runs, "pipeline"), "ms", "64 connections"
        ),
    ]
    for name in runs:
        figures.append(
            Figure(
                "load",
                f"{name} non-2xx + socket errors",
                float(sum(r.failures for r in runs[name])),
                "responses",
                "all repetitions",
                NO_FAILURES,
            )
        )
    return figures


def _durability_figures(runs: dict[str, list[WrkResult]]) -> list[Figure]:
    return [
        Figure(
            "durability",
            "fsync audit throughput",
            ratio(_rps(runs, "pipeline_fsync"), _rps(runs, "pipeline")),
            "x",
            "buffered audit",
        ),
        Figure(
            "durability",
            "fsync audit p99",
            ratio(_p99(runs, "pipeline_fsync"), _p99(runs, "pipeline")),
            "x",
            "buffered audit p99",
        ),
    ]


def _audit_lines_per_request(path: Path | None, requests_sent: int) -> float:
    """Return audit lines per request sent: both gated variants must log the same events."""
    if path is None or not path.exists():
        return 0.0
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return ratio(lines, requests_sent)
