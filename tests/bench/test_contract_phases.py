"""The contract part reads phase timings from the suite's own summary.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.parts.contract_part import phase_shares, read_summary


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
