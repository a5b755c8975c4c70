"""The run summary: which parts were verified, failed or left out, and the timings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from contract.drill.report import render_drill
from contract.evidence import Evidence

Outcome = Literal["passed", "failed", "skipped"]
PartStatus = Literal["VERIFIED", "FAILED", "NOT VERIFIED"]

# Every part of the contract, in the order features run; each feature carries its part as a tag.
PARTS: tuple[str, ...] = (
    "health",
    "scrape",
    "catalog",
    "rules",
    "runbooks",
    "dashboards",
    "alerts",
    "grafana",
)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's outcome."""

    part: str
    name: str
    outcome: Outcome
    seconds: float
    message: str = ""


@dataclass(frozen=True)
class PartResult:
    """A part's verdict and why."""

    status: PartStatus
    reason: str
    scenarios: list[ScenarioResult]


@dataclass
class RunSummary:
    """Everything summary.json and summary.md report."""

    runtime: str
    started_utc: str
    evidence_dir: str
    command: str
    wall_seconds: float = 0.0
    exit_code: int = 1
    run_error: str | None = None
    parts: dict[str, PartResult] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    alert: dict[str, Any] = field(default_factory=dict)
    traffic: dict[str, Any] = field(default_factory=dict)
    drill: dict[str, Any] = field(default_factory=dict)
    drill_budget: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form (what the bench reads)."""
        data = asdict(self)
        data["result"] = "PASS" if self.passed else "FAIL"
        return data


def judge_parts(
    scenarios: list[ScenarioResult],
    *,
    skipped: dict[str, str],
    run_error: str | None,
    parts: tuple[str, ...] = PARTS,
) -> dict[str, PartResult]:
    """Give every part a verdict from its scenarios, the explicit skips and the stack state."""
    verdicts: dict[str, PartResult] = {}
    for part in parts:
        ran = [s for s in scenarios if s.part == part]
        failed = [s for s in ran if s.outcome == "failed"]
        if part in skipped:
            verdicts[part] = PartResult("NOT VERIFIED", skipped[part], ran)
        elif failed:
            verdicts[part] = PartResult(
                "FAILED", f"{len(failed)} of {len(ran)} scenario(s) failed", ran
            )
        elif ran and all(s.outcome == "passed" for s in ran):
            verdicts[part] = PartResult("VERIFIED", f"{len(ran)} scenario(s) passed", ran)
        elif run_error is not None:
            verdicts[part] = PartResult(
                "NOT VERIFIED", "the run stopped before this part (see Run stopped)", ran
            )
        else:
            verdicts[part] = PartResult(
                "NOT VERIFIED", "no scenario of this part ran (deselected)", ran
            )
    return verdicts


def exit_code_for(parts: dict[str, PartResult], *, run_error: str | None, pytest_code: int) -> int:
    """Return 0 only if the stack ran, pytest passed and no part failed."""
    if run_error is not None or pytest_code != 0:
        return 1
    return 1 if any(p.status == "FAILED" for p in parts.values()) else 0


def render_markdown(summary: RunSummary) -> str:
    """Render the summary for people (summary.md and the terminal)."""
    lines = [
        f"# Contract run: {'PASS' if summary.passed else 'FAIL'}",
        "",
        f"- runtime: {summary.runtime}",
        f"- started (UTC): {summary.started_utc}",
        f"- wall time: {summary.wall_seconds:.1f}s",
        f"- evidence: {summary.evidence_dir}",
        f"- command: `{summary.command}`",
        "",
    ]
    if summary.run_error:
        lines += ["## Run stopped", "", "```", summary.run_error.rstrip(), "```", ""]
    lines += ["## Parts", "", "| part | status | why |", "|---|---|---|"]
    lines += [f"| {name} | {part.status} | {part.reason} |" for name, part in summary.parts.items()]
    failures = [
        s for part in summary.parts.values() for s in part.scenarios if s.outcome == "failed"
    ]
    if failures:
        lines += ["", "## Failures", ""]
        for scenario in failures:
            lines += [
                f"### {scenario.part}: {scenario.name}",
                "",
                "```",
                scenario.message.rstrip(),
                "```",
                "",
            ]
    lines += ["", "## Timings (seconds)", "", "| phase | seconds |", "|---|---|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in summary.timings.items()]
    if summary.alert:
        lines += ["", "## Alert delivery", "", "| measure | value |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in summary.alert.items()]
    if summary.drill:
        lines += render_drill(summary.drill)
    return "\n".join(lines) + "\n"


def write_summary(summary: RunSummary, evidence: Evidence) -> str:
    """Write summary.json and summary.md into the evidence; return the Markdown."""
    evidence.write_json("summary.json", summary.as_dict())
    text = render_markdown(summary)
    evidence.write_text("summary.md", text)
    return text


def print_summary(text: str, evidence: Evidence) -> None:
    """Print the summary, redacted, and where its evidence is."""
    print("\n" + evidence.redact(text), flush=True)
    print(f"Evidence: {evidence.root}", flush=True)
