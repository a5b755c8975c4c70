"""The committed baseline: every step measured, where, with what, and the proposals made."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from obs.calibrate.measure import StepResult
from obs.calibrate.rules import Policy, Proposal

FORMAT = "techno-ops/calibration-baseline/v1"


def _commit(root: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def baseline_document(
    steps: list[StepResult],
    proposals: list[Proposal],
    *,
    policy: Policy,
    target: dict[str, Any],
    machine: dict[str, Any],
    root: Path,
) -> dict[str, Any]:
    """Return the baseline as one JSON-ready document."""
    return {
        "format": FORMAT,
        "measured_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(root),
        "machine": machine,
        "target": target,
        "policy": asdict(policy),
        "steps": [s.as_dict() for s in steps],
        "proposals": [asdict(p) for p in proposals],
    }


def write_baseline(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def read_steps(path: Path) -> list[StepResult]:
    """Return a baseline file's steps, failing with the file and field on a bad one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable baseline: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path}: format is not {FORMAT!r}")
    names = {f.name for f in fields(StepResult)}
    steps: list[StepResult] = []
    for index, raw in enumerate(document.get("steps") or []):
        if not isinstance(raw, dict) or set(raw) != names:
            raise ValueError(f"{path}: steps[{index}]: expected the fields {sorted(names)}")
        values: dict[str, Any] = {k: (float("nan") if v is None else v) for k, v in raw.items()}
        steps.append(StepResult(**values))
    if not steps:
        raise ValueError(f"{path}: holds no step")
    return steps
