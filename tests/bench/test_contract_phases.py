"""The contract part reads phase timings from the suite's own summary.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.parts.contract_part import measure_contract, phase_shares, read_summary
from bench.plan import make_plan


def test_phases_are_shares_of_wall_time_without_per_component_lines() -> None:
    timings = {"start": 5.0, "ready": 10.0, "scenarios": 80.0, "component.backend.ready": 2.0}
    assert phase_shares(timings, 100.0) == {"start": 5.0, "ready": 10.0, "scenarios": 80.0}


def test_summary_is_read_from_the_evidence_folder(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(
        json.dumps({"timings": {"start": 1.5}, "result": "PASS"}), encoding="utf-8"
    )
    assert read_summary(tmp_path)["timings"] == {"start": 1.5}


def test_missing_summary_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match=r"summary\.json"):
        read_summary(tmp_path)


def test_summary_without_timings_is_refused(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text(json.dumps({"result": "FAIL"}), encoding="utf-8")
    with pytest.raises(BenchError, match="timings"):
        read_summary(tmp_path)


def test_a_planned_earlier_run_is_read_instead_of_started(tmp_path: Path) -> None:
    evidence = tmp_path / "contract-process"
    evidence.mkdir()
    summary = {"timings": {"scenarios": 30.0}, "wall_seconds": 40.0, "exit_code": 0}
    (evidence / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    plan = make_plan(quick=True, parts=("contract",), contract_evidence=str(evidence))
    said: list[str] = []

    [part] = measure_contract(plan, tmp_path, said.append)

    figures = {figure.name: figure for figure in part.figures}
    assert figures["phase `scenarios`"].value == 75.0
    assert figures["suite exit code"].value == 0.0 and figures["suite exit code"].passed
    wall = figures["wall time, fire drill included"]
    assert wall.value == 40.0 and wall.passed  # the 3-minute bar
    assert not (tmp_path / "contract.log").exists()  # nothing was started
    assert str(evidence) in said[0]


def test_a_contract_over_three_minutes_misses_its_bar(tmp_path: Path) -> None:
    evidence = tmp_path / "slow"
    evidence.mkdir()
    summary = {"timings": {"scenarios": 200.0}, "wall_seconds": 210.0, "exit_code": 0}
    (evidence / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    plan = make_plan(quick=True, parts=("contract",), contract_evidence=str(evidence))
    [part] = measure_contract(plan, tmp_path, lambda _: None)
    figures = {figure.name: figure for figure in part.figures}
    assert not figures["wall time, fire drill included"].passed
