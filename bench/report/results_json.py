"""Write one run's results as machine-readable JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.plan import BenchPlan
from bench.report.figures import PartResult


def bars_met(parts: Sequence[PartResult]) -> bool:
    """Return True if every figure that has a bar meets it."""
    return all(f.passed is not False for p in parts for f in p.figures)


def results_document(
    *,
    machine: dict[str, Any],
    plan: BenchPlan,
    parts: Sequence[PartResult],
    wall_s: float,
    started_utc: str,
) -> dict[str, Any]:
    """Return the whole run: machine, plan, every part's figures and raw numbers."""
    return {
        "started_utc": started_utc,
        "wall_s": round(wall_s, 3),
        "machine": machine,
        "plan": asdict(plan),
        "event_loop": "uvloop for every load variant",
        "bars_met": bars_met(parts),
        "parts": [
            {
                "part": p.part,
                "wall_s": round(p.wall_s, 3),
                "error": p.error,
                "figures": [asdict(f) | {"passed": f.passed} for f in p.figures],
                "raw": p.raw,
            }
            for p in parts
        ],
    }


def write_results(path: Path, document: dict[str, Any]) -> Path:
    """Write the document with sorted keys and a trailing newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
