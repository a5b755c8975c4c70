"""The pytest plugin that hands the live run to the steps and collects scenario results."""

from __future__ import annotations

from typing import Any

import pytest

from contract.context import RunContext
from contract.summary import PARTS, Outcome, ScenarioResult

OTHER_PART = "other"
# Where the plugin leaves the run for the `contract_run` fixture (contract.steps.common).
RUN_KEY = pytest.StashKey[RunContext]()


def _part_of(item: pytest.Item) -> str:
    # Each feature file carries its part as a tag; pytest-bdd turns tags into markers.
    return next((m.name for m in item.iter_markers() if m.name in PARTS), OTHER_PART)


def _order(part: str) -> int:
    return PARTS.index(part) if part in PARTS else len(PARTS)


class ContractPlugin:
    """Hand the run to the steps; drop skipped parts; order parts; record outcomes."""

    def __init__(self, run: RunContext, skipped: dict[str, str]) -> None:
        self.run = run
        self.skipped = skipped
        self._results: dict[str, ScenarioResult] = {}
        self._parts: dict[str, str] = {}
        self._names: dict[str, str] = {}

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[RUN_KEY] = self.run
        for part in PARTS:
            config.addinivalue_line("markers", f"{part}: scenarios of the contract's {part} part")

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        self._parts = {item.nodeid: _part_of(item) for item in items}
        dropped = [item for item in items if self._parts[item.nodeid] in self.skipped]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        # pytest-bdd orders features by name; the contract needs PARTS order (alert delivery,
        # which stops the backend, after every part that reads it).
        items[:] = sorted(
            (item for item in items if item not in dropped),
            key=lambda item: _order(self._parts[item.nodeid]),
        )

    def pytest_bdd_before_scenario(self, request: pytest.FixtureRequest, scenario: Any) -> None:
        self._names[request.node.nodeid] = str(scenario.name)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # One result per scenario: its call, or a failed/skipped setup or teardown.
        if report.when != "call" and report.passed:
            return
        previous = self._results.get(report.nodeid)
        if previous is not None and previous.outcome == "failed":
            return
        outcome: Outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
        if outcome == "failed":
            self.run.failed_parts.add(self._parts.get(report.nodeid, OTHER_PART))
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr or "")
        self._results[report.nodeid] = ScenarioResult(
            part=self._parts.get(report.nodeid, OTHER_PART),
            name=self._names.get(report.nodeid, report.nodeid.rpartition("::")[2]),
            outcome=outcome,
            seconds=round(report.duration, 3),
            message=message,
        )

    @property
    def results(self) -> list[ScenarioResult]:
        """Return every scenario's result, in run order."""
        return list(self._results.values())
