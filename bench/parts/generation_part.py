"""`obs generate`: the project catalog, and growth over 1, 10 and 100 synthetic services."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.errors import BenchError
from bench.plan import BenchPlan
from bench.report.figures import Bar, Figure, PartResult
from bench.stats import linear_fit, median, ratio
from bench.synthetic_catalogs import write_synthetic_catalogs

# Per-service time may wobble with noise, but a superlinear generator would
# show as a clear rise at 100 services.
LINEAR_GROWTH = Bar("<=", 1.5)
CLI_REPETITIONS = 3
ROUNDS = 5


def generate_in_process(catalog_path: Path, out: Path) -> float:
    """Load, render and write one catalog's artifacts as `obs generate` does; return seconds."""
    from obs.catalog import load_catalog  # late: only this part needs obs
    from obs.generate.artifacts import render_all, write

    started = time.perf_counter()
    write(render_all(load_catalog(catalog_path)), out)
    return time.perf_counter() - started


def generate_cli(catalog_path: Path, out: Path) -> float:
    """Run `python -m obs --catalog PATH generate --out DIR` and return its wall seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "obs",
            "--catalog",
            str(catalog_path),
            "generate",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchError(
            f"`python -m obs generate` exited {done.returncode}: "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )
    return elapsed


def _median_totals(catalogs: list[Path], counts: tuple[int, ...], out: Path) -> dict[int, float]:
    """Return the median seconds to generate the first N catalogs in turn, for each N."""
    # Smaller counts run in every round, interleaved with the others, so noise
    # from other work on the machine hits every count alike; the largest runs
    # once, mid-way.
    largest = max(counts)
    samples: dict[int, list[float]] = {n: [] for n in counts}
    for round_ in range(ROUNDS):
        for count in counts:
            if count == largest and round_ != ROUNDS // 2:
                continue
            samples[count].append(
                sum(
                    generate_in_process(path, out / f"n{count}-r{round_}" / path.stem)
                    for path in catalogs[:count]
                )
            )
    return {n: median(values) for n, values in samples.items()}


def measure_generation(
    plan: BenchPlan, out_dir: Path, progress: Callable[[str], None]
) -> list[PartResult]:
    """Time generation per service at each planned count and report the growth."""
    from obs.catalog import DEFAULT_CATALOG_PATH

    work = out_dir / "work-generation"
    try:
        progress("generation: project catalog (CLI and in-process)")
        cli_s = median(
            [generate_cli(DEFAULT_CATALOG_PATH, work / f"cli{n}") for n in range(CLI_REPETITIONS)]
        )
        generate_in_process(DEFAULT_CATALOG_PATH, work / "warm-up")  # imports, template cache
        project_s = median(
            [
                generate_in_process(DEFAULT_CATALOG_PATH, work / f"project{n}")
                for n in range(CLI_REPETITIONS)
            ]
        )
        catalogs = write_synthetic_catalogs(
            DEFAULT_CATALOG_PATH, max(plan.service_counts), work / "catalogs"
        )
        totals: dict[int, float] = {}
        for count in plan.service_counts:
            progress(f"generation: {count} synthetic service(s)")
            totals[count] = sum(
                generate_in_process(path, work / f"n{count}" / path.stem)
                for path in catalogs[:count]
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per_service = {n: totals[n] / n for n in totals}
    smallest = min(per_service)
    slope, intercept = linear_fit(list(totals), list(totals.values()))
    figures = [
        Figure(
            "generation",
            "`obs generate` CLI wall time",
            ratio(cli_s, project_s),
            "x",
            "in-process generation (rest is interpreter start + imports)",
        ),
    ]
    figures += [
        Figure(
            "generation",
            f"time per service at {n} services",
            ratio(per_service[n], per_service[smallest]),
            "x",
            f"per service at {smallest}",
            LINEAR_GROWTH,
        )
        for n in sorted(per_service)
        if n != smallest
    ]
    return [
        PartResult(
            "generation",
            figures=figures,
            raw={
                "catalog_model": "single-service: N separate catalogs generated one after another",
                "project_cli_s": cli_s,
                "project_in_process_s": project_s,
                "total_s_by_service_count": {str(n): t for n, t in totals.items()},
                "per_service_s": {str(n): t for n, t in per_service.items()},
                "fit_seconds_per_service": slope,
                "fit_intercept_s": intercept,
            },
        )
    ]
