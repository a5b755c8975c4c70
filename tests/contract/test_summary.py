"""The summary says what was verified, what failed and what was left out."""

from __future__ import annotations

from contract.summary import RunSummary, ScenarioResult, exit_code_for, judge_parts, render_markdown


def scenario(part: str, outcome: str, message: str = "") -> ScenarioResult:
    return ScenarioResult(part, f"{part} scenario", outcome, 0.5, message)  # type: ignore[arg-type]


def test_parts_get_verified_failed_or_not_verified() -> None:
    parts = judge_parts(
        [scenario("health", "passed"), scenario("rules", "failed", "[prometheus] boom")],
        skipped={"grafana": "left out by --skip grafana"},
        run_error=None,
    )
    assert parts["health"].status == "VERIFIED"
    assert parts["rules"].status == "FAILED"
    assert parts["grafana"].status == "NOT VERIFIED"
    assert parts["grafana"].reason == "left out by --skip grafana"
    assert parts["alerts"].status == "NOT VERIFIED"
    assert exit_code_for(parts, run_error=None, pytest_code=1) == 1


def test_a_run_error_fails_the_run_even_without_failed_scenarios() -> None:
    parts = judge_parts([], skipped={}, run_error="[prometheus] exited with code 1")
    assert all(p.status == "NOT VERIFIED" for p in parts.values())
    assert exit_code_for(parts, run_error="[prometheus] exited", pytest_code=0) == 1


def test_a_clean_run_exits_zero() -> None:
    parts = judge_parts([scenario("health", "passed")], skipped={}, run_error=None)
    assert exit_code_for(parts, run_error=None, pytest_code=0) == 0


def test_markdown_lists_not_verified_parts_failures_and_timings() -> None:
    summary = RunSummary(
        runtime="process", started_utc="2026-01-01T00:00:00+00:00", evidence_dir="/e", command="x"
    )
    summary.parts = judge_parts(
        [scenario("rules", "failed", "[prometheus] GET /api/v1/rules: rule X health=err")],
        skipped={"grafana": "left out by --skip grafana"},
        run_error=None,
    )
    summary.timings = {"start": 1.25}
    text = render_markdown(summary)
    assert "# Contract run: FAIL" in text
    assert "| grafana | NOT VERIFIED | left out by --skip grafana |" in text
    assert "rule X health=err" in text
    assert "| start | 1.25 |" in text
    assert summary.as_dict()["result"] == "FAIL"
