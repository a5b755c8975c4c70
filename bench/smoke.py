"""Check that a benchmark run produced every part's figures and the chart (not the speed bars).

`python -m bench.smoke OUT` after `python -m bench run --quick --out OUT`: CI's proof that
the benchmark code still runs end to end. Whether a figure meets its bar is the full
run's business (`--fail-on-bar`); here a figure only has to exist and be a number.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHART = "load.png"
# `profile` runs only when the pipeline misses a load bar, so its absence is no fault.
CONDITIONAL_PARTS = frozenset({"profile"})


def output_problems(out: Path) -> list[str]:
    """Return what is missing or broken in the run folder out (empty when all is there)."""
    results = out / "results.json"
    try:
        document: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{results}: {exc}"]
    problems = []
    produced = {part["part"]: part for part in document.get("parts", [])}
    planned = document.get("plan", {}).get("parts", [])
    for name in planned:
        part = produced.get(name)
        if part is None:
            if name not in CONDITIONAL_PARTS:
                problems.append(f"part {name}: planned but absent from results.json")
            continue
        if part.get("error"):
            problems.append(f"part {name}: {part['error']}")
        figures = part.get("figures", [])
        if not figures and not part.get("error"):
            problems.append(f"part {name}: no figures")
        for figure in figures:
            value = figure.get("value")
            if not isinstance(value, int | float) or not math.isfinite(value):
                problems.append(f"part {name}: figure {figure.get('name')!r} has value {value!r}")
    if "load" in planned:
        chart = out / CHART
        if not chart.is_file() or chart.read_bytes()[:8] != PNG_MAGIC:
            problems.append(f"{chart}: the load chart is missing or not a PNG")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Print each problem of the run folder given, or a one-line count; return 1 on problems."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m bench.smoke OUT", file=sys.stderr)
        return 2
    out = Path(args[0])
    problems = output_problems(out)
    for problem in problems:
        print(f"bench smoke: {problem}", file=sys.stderr)
    if problems:
        return 1
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    figures = sum(len(part["figures"]) for part in document["parts"])
    names = ", ".join(part["part"] for part in document["parts"])
    print(f"bench smoke: {figures} figures from {names}, and {out / CHART}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
