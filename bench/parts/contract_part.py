"""Wall time of the process-runtime contract suite, by phase, from its own summary.json."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.plan import BenchPlan
from bench.report.figures import Bar, Figure, PartResult
from bench.stats import ratio

# Grafana is not installable on these machines; the contract lists it NOT VERIFIED.
CONTRACT_ARGS = ("--runtime", "process", "--skip", "grafana")
CONTRACT_TIMEOUT_S = 900
_COMPONENT_PREFIX = "component."


# The whole process-runtime contract, every alert drilled, fits in three minutes (issue 11).
CONTRACT_WALL_BAR_SECONDS = 180.0


def phase_shares(timings: Mapping[str, float], wall_s: float) -> dict[str, float]:
    """Return each top-level phase as a percentage of the run's wall time."""
    return {
        name: 100.0 * ratio(seconds, wall_s)
        for name, seconds in timings.items()
        if not name.startswith(_COMPONENT_PREFIX)
    }


def read_summary(evidence_dir: Path) -> dict[str, Any]:
    """Return the contract's summary.json from its evidence folder."""
    path = evidence_dir / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchError(f"contract wrote no readable {path}: {exc}") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("timings"), dict):
        raise BenchError(f"{path} has no `timings` mapping")
    return summary


def _run_contract(
    evidence: Path, out_dir: Path, progress: Callable[[str], None]
) -> tuple[float, int]:
    """Run the contract into evidence; return its wall time and exit code."""
    progress(f"contract: python -m contract {' '.join(CONTRACT_ARGS)} (evidence {evidence})")
    started = time.perf_counter()
    with (out_dir / "contract.log").open("wb") as log:
        done = subprocess.run(
            [sys.executable, "-m", "contract", *CONTRACT_ARGS, "--evidence-dir", str(evidence)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=CONTRACT_TIMEOUT_S,
        )
    return time.perf_counter() - started, done.returncode


def measure_contract(
    plan: BenchPlan, out_dir: Path, progress: Callable[[str], None]
) -> list[PartResult]:
    """Run `python -m contract --skip grafana` once (or read the planned run); report phases."""
    if plan.contract_evidence is not None:
        evidence = Path(plan.contract_evidence).resolve()
        progress(f"contract: reading the phases of the earlier run in {evidence}")
        summary = read_summary(evidence)
        wall_s = float(summary.get("wall_seconds") or 0.0)
        returncode = int(summary.get("exit_code", 1))
    else:
        evidence = (out_dir / "contract-evidence").resolve()
        wall_s, returncode = _run_contract(evidence, out_dir, progress)
        summary = read_summary(evidence)
    timings: dict[str, float] = summary["timings"]
    figures = [
        Figure("contract", f"phase `{name}`", share, "%", "contract wall time")
        for name, share in phase_shares(timings, wall_s).items()
    ]
    figures.append(
        Figure(
            "contract",
            "wall time, fire drill included",
            wall_s,
            "s",
            "python -m contract --skip grafana",
            Bar("<=", CONTRACT_WALL_BAR_SECONDS),
        )
    )
    figures.append(
        Figure(
            "contract",
            "suite exit code",
            float(returncode),
            "code",
            "python -m contract",
            Bar("==", 0),
        )
    )
    return [
        PartResult(
            "contract",
            figures=figures,
            raw={
                "wall_s": wall_s,
                "summary_wall_seconds": summary.get("wall_seconds"),
                "result": summary.get("result"),
                "timings_s": timings,
                "alert": summary.get("alert", {}),
                "drill": summary.get("drill", {}),
                "evidence_dir": str(evidence),
            },
        )
    ]
