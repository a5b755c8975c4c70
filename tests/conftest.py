"""Every test has a time limit: a hang (a broken limiter, a lost wakeup) fails, not CI."""

from __future__ import annotations

import pytest

# Unit and HTTP tests take seconds. Long reliability tests and whole contract runs
# (tests/contract with --run-contract) set their own, larger limits.
UNIT_TIMEOUT_SECONDS = 120


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    live_contract = bool(config.getoption("--run-contract", default=False))
    for item in items:
        if item.get_closest_marker("timeout") is not None:
            continue
        if item.get_closest_marker("reliability") is not None:
            continue
        if live_contract and "tests/contract/" in item.nodeid:
            continue
        item.add_marker(pytest.mark.timeout(UNIT_TIMEOUT_SECONDS))
