"""Command line: run the benchmark parts, print the table, write JSON and the chart."""

from __future__ import annotations

import argparse
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from bench.errors import BenchError
from bench.machine import describe_machine
from bench.parts.contract_part import measure_contract
from bench.parts.generation_part import measure_generation
from bench.parts.load_part import measure_load
from bench.parts.metrics_part import measure_metrics
from bench.parts.profile_part import measure_profile
from bench.plan import PARTS, BenchPlan, make_plan
from bench.report.figures import PartResult
from bench.report.results_json import bars_met, results_document, write_results
from bench.report.table import render_results
from bench.wrk_runner import wrk_binary

Measure = Callable[[BenchPlan, Path, Callable[[str], None]], list[PartResult]]


def _parse_parts(text: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = sorted(set(parts) - set(PARTS))
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"unknown part(s) {unknown}; choose from {list(PARTS)}")
    return parts


def build_parser() -> argparse.ArgumentParser:
    """Return the `python -m bench` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the benchmark and report ratios to baselines")
    run.add_argument("--quick", action="store_true", help="CI-sized run (about 2 minutes)")
    run.add_argument(
        "--out", type=Path, default=None, help="output folder (default evidence/bench/<UTC time>)"
    )
    run.add_argument(
        "--parts",
        type=_parse_parts,
        default=PARTS,
        help=f"comma-separated subset of {','.join(PARTS)}",
    )
    run.add_argument(
        "--pin",
        dest="pin_cpus",
        action="store_true",
        help="pin the servers to CPU 0 and wrk to CPU 1 (steadier only on an otherwise idle box)",
    )
    run.add_argument(
        "--contract-evidence",
        default=None,
        metavar="DIR",
        help="read the contract part from this earlier run's evidence instead of running it",
    )
    run.add_argument(
        "--fail-on-bar",
        action="store_true",
        help="exit 2 when a figure misses its bar (default: report only)",
    )
    profile = commands.add_parser("profile", help="py-spy one gated variant under load")
    profile.add_argument("--variant", choices=("pipeline", "fastapi_twin"), default="pipeline")
    profile.add_argument(
        "--out", type=Path, default=None, help="output folder (default evidence/bench/<UTC time>)"
    )
    return parser


def _progress_printer(started: float) -> Callable[[str], None]:
    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    return progress


def _profile_if_missed(
    plan: BenchPlan, out: Path, progress: Callable[[str], None], done: list[PartResult]
) -> list[PartResult]:
    missed = [
        f
        for p in done
        if p.part == "load"
        for f in p.figures
        if f.passed is False and f.name.startswith("pipeline")
    ]
    if not missed:
        progress("profile: the pipeline meets its load bars; nothing to profile")
        return []
    return measure_profile("pipeline", plan.connections, out, progress)


def _run_parts(plan: BenchPlan, out: Path, progress: Callable[[str], None]) -> list[PartResult]:
    results: list[PartResult] = []

    def profile_if_missed(
        plan: BenchPlan, out: Path, progress: Callable[[str], None]
    ) -> list[PartResult]:
        return _profile_if_missed(plan, out, progress, results)  # sees the load part's verdict

    steps: list[tuple[tuple[str, ...], Measure]] = [
        (("load", "durability"), measure_load),
        (("profile",), profile_if_missed),
        (("metrics",), measure_metrics),
        (("generation",), measure_generation),
        (("contract",), measure_contract),
    ]
    for names, measure in steps:
        if not set(names) & set(plan.parts):
            continue
        started = time.monotonic()
        progress(f"part {'/'.join(n for n in names if n in plan.parts)}")
        try:
            produced = measure(plan, out, progress)
        except Exception as exc:  # one broken part must not hide the others' figures
            (out / f"{names[0]}-error.txt").write_text(traceback.format_exc(), encoding="utf-8")
            produced = [
                PartResult(n, error=f"{type(exc).__name__}: {exc}".splitlines()[0])
                for n in names
                if n in plan.parts
            ]
        for result in produced:
            result.wall_s = time.monotonic() - started
        results += produced
    return results


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM takes the same path as Ctrl-C, so every server is still torn down.
    raise KeyboardInterrupt


def _out_dir(requested: Path | None, started_utc: datetime) -> Path:
    out = requested or Path("evidence") / "bench" / started_utc.strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    # Absolute: the production-mode service it starts refuses a relative audit log path.
    return out.resolve()


def profile(args: argparse.Namespace) -> int:
    """Profile one variant, print its stage table, and return the exit code."""
    wrk_binary()
    out = _out_dir(args.out, datetime.now(UTC))
    parts = measure_profile(args.variant, 64, out, _progress_printer(time.monotonic()))
    print(render_results(parts))
    print(f"\nfolded stacks: {parts[0].raw['folded_stacks']}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the planned parts and return the exit code."""
    plan = make_plan(
        quick=args.quick,
        parts=args.parts,
        pin_cpus=args.pin_cpus,
        contract_evidence=args.contract_evidence,
    )
    if {"load", "durability"} & set(plan.parts):
        wrk_binary()  # fail before anything starts if wrk is missing
    started_utc = datetime.now(UTC)
    out = _out_dir(args.out, started_utc)
    started = time.monotonic()
    progress = _progress_printer(started)
    machine = describe_machine()
    parts = _run_parts(plan, out, progress)
    document = results_document(
        machine=machine,
        plan=plan,
        parts=parts,
        wall_s=time.monotonic() - started,
        started_utc=started_utc.isoformat(timespec="seconds"),
    )
    results_path = write_results(out / "results.json", document)
    print(render_results(parts))
    print(f"\nresults: {results_path}")
    chart = out / "load.png"
    if chart.exists():
        print(f"chart:   {chart}")
    if any(p.error for p in parts):
        return 1
    return 2 if args.fail_on_bar and not bars_met(parts) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m bench`."""
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return profile(args) if args.command == "profile" else run(args)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
