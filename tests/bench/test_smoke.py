"""The bench smoke check passes a complete run folder and names what a broken one lacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.smoke import PNG_MAGIC, main, output_problems


def figure(name: str, value: object) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": "x", "baseline": "bare", "passed": None}


def write_run(out: Path, parts: list[dict[str, Any]], *, chart: bool = True) -> Path:
    planned = ["load", "durability", "profile", "metrics"]
    document = {"plan": {"parts": planned}, "parts": parts}
    (out / "results.json").write_text(json.dumps(document), encoding="utf-8")
    if chart:
        (out / "load.png").write_bytes(PNG_MAGIC + b"rest")
    return out


def complete() -> list[dict[str, Any]]:
    return [
        {"part": "load", "error": None, "figures": [figure("pipeline throughput", 0.8)]},
        {"part": "durability", "error": None, "figures": [figure("fsync cost", 1.2)]},
        {"part": "metrics", "error": None, "figures": [figure("scrape size", 41)]},
    ]


def test_a_complete_run_passes_without_the_conditional_profile(tmp_path: Path) -> None:
    write_run(tmp_path, complete())
    assert output_problems(tmp_path) == []
    assert main([str(tmp_path)]) == 0


def test_a_missing_part_an_error_and_a_non_number_are_each_named(tmp_path: Path) -> None:
    parts = complete()
    parts[0]["figures"].append(figure("p99", float("nan")))
    parts[1]["error"] = "BenchError: wrk exited with 1"
    del parts[2]
    write_run(tmp_path, parts)

    problems = output_problems(tmp_path)

    assert "part load: figure 'p99' has value nan" in problems
    assert "part durability: BenchError: wrk exited with 1" in problems
    assert "part metrics: planned but absent from results.json" in problems
    assert main([str(tmp_path)]) == 1


def test_a_run_without_the_chart_fails(tmp_path: Path) -> None:
    write_run(tmp_path, complete(), chart=False)
    assert output_problems(tmp_path) == [
        f"{tmp_path / 'load.png'}: the load chart is missing or not a PNG"
    ]
