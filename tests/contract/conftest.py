"""Contract test options: real contract runs are opt-in (`--run-contract`)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-contract",
        action="store_true",
        default=False,
        help="also run the tests that start whole contract runs (fault injection)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contract: starts whole contract runs (opt-in)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-contract", default=False):
        return
    skip = pytest.mark.skip(reason="starts whole contract runs; select with --run-contract")
    for item in items:
        if item.get_closest_marker("contract") is not None:
            item.add_marker(skip)
