"""`python -m contract`: start the stack, run the features, write evidence, fail closed."""

from __future__ import annotations

import argparse
import shlex
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import pytest

from contract.artifacts import ArtifactTree
from contract.context import RunContext
from contract.deployed.runner import PARTS as DEPLOYED_PARTS
from contract.deployed.runner import DeployedOptions, run_deployed
from contract.drill.budget import drill_budget
from contract.errors import HarnessError
from contract.evidence import Evidence, default_evidence_dir
from contract.leftovers import stop_leftovers
from contract.plugin import ContractPlugin
from contract.progress import Progress
from contract.redact import Redactor
from contract.runtime import RUNTIMES, make_runtime
from contract.spec import GRAFANA, build_stack_spec
from contract.stack import Stack
from contract.steps.alerts import drill_summary
from contract.summary import (
    PARTS,
    PartResult,
    RunSummary,
    exit_code_for,
    judge_parts,
    print_summary,
    write_summary,
)
from contract.timings import Timings
from obs.catalog import DEFAULT_CATALOG_PATH, CatalogError, load_catalog

PACKAGE_DIR = Path(__file__).resolve().parent
FEATURES_MODULE = PACKAGE_DIR / "features" / "test_contract.py"
STEP_PLUGINS = tuple(f"contract.steps.{name}" for name in ("common", *PARTS))
FAULT_TESTS_DIR = PACKAGE_DIR.parent / "tests" / "contract"
READY_TIMEOUT_SECONDS = 30.0
# The whole fire drill must fit in this (seconds), or the run is refused before it starts.
DEFAULT_DRILL_BUDGET_SECONDS = 240.0
# How long --deployed watches Alertmanager's failed-notification counters.
DEFAULT_WATCH_SECONDS = 10.0


@dataclass(frozen=True)
class Options:
    """The parsed command line."""

    runtime: str
    skip: tuple[str, ...]
    artifacts: Path
    catalog: Path
    evidence_dir: Path | None
    timeout_scale: float
    faults: bool
    pytest_args: tuple[str, ...]
    drill: frozenset[str] = frozenset()
    drill_budget: float = DEFAULT_DRILL_BUDGET_SECONDS
    deployed: Path | None = None
    allow_drill: bool = False
    watch_seconds: float = DEFAULT_WATCH_SECONDS


def default_artifact_root() -> Path:
    """Return the working directory if it holds deploy/, else the project this package is in."""
    cwd = Path.cwd()
    return cwd if (cwd / "deploy").is_dir() else PACKAGE_DIR.parent


def parse_args(argv: Sequence[str]) -> Options:
    """Parse `[options] [-- pytest args]` into Options."""
    argv = list(argv)
    passthrough: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m contract",
        description="Start the stack from the generated configs and prove it live (fail-closed).",
        epilog="Arguments after `--` go to pytest, e.g. `-- -k rules`.",
    )
    parser.add_argument(
        "--runtime", choices=sorted(RUNTIMES), default="process", help="where the stack runs"
    )
    parser.add_argument(
        "--skip",
        action="append",
        choices=tuple(dict.fromkeys(PARTS + DEPLOYED_PARTS)),
        default=[],
        metavar="PART",
        help=f"leave a part out (reported NOT VERIFIED); one of {', '.join(PARTS)}; repeatable"
        f" (with --deployed: {', '.join(DEPLOYED_PARTS)})",
    )
    parser.add_argument(
        "--artifacts",
        type=Path,
        default=None,
        help="root holding alerts/ dashboards/ runbooks/ deploy/",
    )
    parser.add_argument(
        "--catalog",
        type=Path,
        default=DEFAULT_CATALOG_PATH,
        help="catalog the live /metrics must match",
    )
    parser.add_argument(
        "--evidence-dir",
        type=Path,
        default=None,
        help="evidence folder (default ./evidence/<UTC>-<runtime>)",
    )
    parser.add_argument(
        "--timeout-scale", type=float, default=1.0, help="multiply every wait (slow machines)"
    )
    parser.add_argument(
        "--faults", action="store_true", help="run the fault-injection tests of the suite instead"
    )
    parser.add_argument(
        "--drill",
        action="append",
        default=[],
        metavar="ALERT_OR_CONDITION",
        help="drill only these alerts (or conditions); the others are reported NOT VERIFIED",
    )
    parser.add_argument(
        "--drill-budget",
        type=float,
        default=DEFAULT_DRILL_BUDGET_SECONDS,
        metavar="SECONDS",
        help="refuse a run whose fire drill cannot finish within this many seconds",
    )
    parser.add_argument(
        "--deployed",
        type=Path,
        default=None,
        metavar="STACK.yaml",
        help="prove the already deployed stack this file names, read-only (starts nothing)",
    )
    parser.add_argument(
        "--allow-drill",
        action="store_true",
        help="with --deployed: allow checks that change the stack (refused if production: true)",
    )
    parser.add_argument(
        "--watch-seconds",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with --deployed: how long to watch Alertmanager's failed-notification counters",
    )
    args = parser.parse_args(argv)
    if args.deployed is None and args.allow_drill:
        parser.error("--allow-drill only applies with --deployed")
    if args.deployed is None and args.watch_seconds is not None:
        parser.error("--watch-seconds only applies with --deployed")
    if args.watch_seconds is None:
        args.watch_seconds = DEFAULT_WATCH_SECONDS
    if args.deployed is not None and (args.faults or args.runtime != "process"):
        parser.error("--deployed starts no stack: it does not combine with --faults or --runtime")
    wrong = sorted(set(args.skip) - set(DEPLOYED_PARTS if args.deployed else PARTS))
    if wrong:
        parser.error(f"--skip {wrong[0]} is not a part of this run")
    if args.watch_seconds < 0:
        parser.error(f"--watch-seconds must not be negative, got {args.watch_seconds}")
    if args.timeout_scale <= 0:
        parser.error(f"--timeout-scale must be positive, got {args.timeout_scale}")
    if args.drill_budget <= 0:
        parser.error(f"--drill-budget must be positive, got {args.drill_budget}")
    return Options(
        runtime=args.runtime,
        skip=tuple(dict.fromkeys(args.skip)),
        artifacts=(args.artifacts or default_artifact_root()).resolve(),
        catalog=args.catalog,
        evidence_dir=args.evidence_dir,
        timeout_scale=args.timeout_scale,
        faults=args.faults,
        pytest_args=tuple(passthrough),
        drill=frozenset(args.drill),
        drill_budget=args.drill_budget,
        deployed=args.deployed,
        allow_drill=args.allow_drill,
        watch_seconds=args.watch_seconds,
    )


@contextmanager
def _interrupt_on_termination() -> Iterator[None]:
    """Turn SIGINT/SIGTERM/SIGHUP into KeyboardInterrupt so teardown runs as on Ctrl-C.

    SIGINT is handled explicitly because a shell without job control starts a background
    command with SIGINT ignored, and Python keeps ignoring it: a CI runner cancelling such a
    job with SIGINT would otherwise leave the whole stack running.
    """

    def interrupt(signum: int, _: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, interrupt) for sig in handled}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def pytest_argv(evidence: Evidence, extra: Sequence[str]) -> list[str]:
    """Return the pytest command line that runs the features with reports into evidence."""
    plugins = [arg for plugin in STEP_PLUGINS for arg in ("-p", plugin)]
    return [
        str(FEATURES_MODULE),
        *plugins,
        "-p",
        "no:cacheprovider",
        "--import-mode=importlib",
        f"--rootdir={PACKAGE_DIR}",
        f"--cucumberjson={evidence.path('cucumber.json')}",
        f"--junitxml={evidence.path('junit.xml')}",
        "-o",
        "junit_family=xunit2",
        "-v",
        *extra,
    ]


def run_contract(options: Options) -> int:
    """Run the whole contract once; write evidence and the summary whatever happens."""
    started = time.monotonic()
    started_utc = datetime.now(UTC)
    evidence_root = options.evidence_dir or default_evidence_dir(
        Path("evidence"), options.runtime, started_utc
    )
    evidence = Evidence(evidence_root.resolve(), Redactor())
    if options.evidence_dir is None:
        evidence.link_latest()
    progress = Progress()
    progress.attach_log(evidence.path("progress.log").open("w", encoding="utf-8"))
    timings = Timings()
    skipped = {part: f"left out by --skip {part}" for part in options.skip}
    summary = RunSummary(
        runtime=options.runtime,
        started_utc=started_utc.isoformat(timespec="seconds"),
        evidence_dir=str(evidence.root),
        command=shlex.join(["python", "-m", "contract", *sys.argv[1:]]),
    )
    workdir = Path(tempfile.mkdtemp(prefix=f"techno-contract-{options.runtime}-"))
    plugin: ContractPlugin | None = None
    pytest_code = 1
    try:
        with _interrupt_on_termination():
            stop_leftovers(lambda message: progress.say("cleanup", message))
            catalog = load_catalog(options.catalog)
            tree = ArtifactTree(options.artifacts)
            spec = build_stack_spec(tree, include_grafana=GRAFANA not in options.skip)
            if "alerts" not in options.skip:
                budget = drill_budget(catalog, tree, spec, only=options.drill)
                summary.drill_budget = budget.as_dict()
                progress.say("drill", budget.describe())
                budget.refuse_over(options.drill_budget)
            runtime = make_runtime(options.runtime, workdir)
            stack = Stack(
                spec,
                runtime,
                evidence=evidence,
                progress=progress,
                timings=timings,
                ready_timeout=READY_TIMEOUT_SECONDS * options.timeout_scale,
            )
            with stack, evidence.session() as session:
                run = RunContext(
                    stack, catalog, tree, options.timeout_scale, session, drill_only=options.drill
                )
                plugin = ContractPlugin(run, skipped)
                try:
                    with timings.phase("scenarios"):
                        pytest_code = int(
                            pytest.main(
                                pytest_argv(evidence, options.pytest_args), plugins=[plugin]
                            )
                        )
                finally:
                    run.close()
                    summary.drill = drill_summary(run)
                if pytest_code == pytest.ExitCode.INTERRUPTED:
                    summary.run_error = "interrupted during the scenarios; the stack was torn down"
                elif pytest_code == pytest.ExitCode.NO_TESTS_COLLECTED:
                    summary.run_error = "no scenario was selected (check -k / --skip)"
                summary.alert = run.alert
                summary.traffic = run.traffic.as_dict() if run.traffic else {}
    except (HarnessError, CatalogError) as exc:
        summary.run_error = str(exc)
    except KeyboardInterrupt as exc:
        summary.run_error = f"interrupted ({exc or 'Ctrl-C'}); the stack was torn down"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        results = plugin.results if plugin is not None else []
        summary.parts = judge_parts(results, skipped=skipped, run_error=summary.run_error)
        _partial_drill(summary, options.drill)
        summary.exit_code = exit_code_for(
            summary.parts, run_error=summary.run_error, pytest_code=pytest_code
        )
        summary.timings = timings.as_dict()
        summary.wall_seconds = round(time.monotonic() - started, 3)
        text = write_summary(summary, evidence)
        progress.close()
    print_summary(text, evidence)
    return summary.exit_code


def _partial_drill(summary: RunSummary, only: frozenset[str]) -> None:
    """A drill limited by --drill proves only some alerts: the part is NOT VERIFIED."""
    part = summary.parts.get("alerts")
    if not only or part is None or part.status != "VERIFIED":
        return
    rows = summary.drill.get("alerts") or []
    drilled = sum(1 for row in rows if row.get("drilled"))
    summary.parts["alerts"] = PartResult(
        "NOT VERIFIED",
        f"--drill {' '.join(sorted(only))}: {drilled} of {len(rows)} alerts drilled",
        part.scenarios,
    )


def run_faults(options: Options) -> int:
    """Run the fault-injection tests (each starts its own contract run on a broken copy)."""
    files = sorted(str(path) for path in FAULT_TESTS_DIR.glob("test_*faults.py"))
    if not files:
        print(f"no fault tests (test_*faults.py) under {FAULT_TESTS_DIR}", file=sys.stderr)
        return 1
    return int(pytest.main([*files, "--run-contract", "-v", *options.pytest_args]))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the contract (or its fault tests) and return the process exit code."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.deployed is not None:
        return run_deployed(
            DeployedOptions(
                stack_file=options.deployed,
                artifacts=options.artifacts,
                catalog=options.catalog,
                evidence_dir=options.evidence_dir,
                skip=options.skip,
                allow_drill=options.allow_drill,
                watch_seconds=options.watch_seconds,
            )
        )
    return run_faults(options) if options.faults else run_contract(options)
