"""Reliability suite plumbing: bounded/full mode, the run folder, the secret registry, order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.reliability_record import RunRecord, SecretRegistry, default_run_dir

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BASE = ROOT / "evidence" / "reliability"
MARKER = "reliability"
# The scanner reads what every other test wrote, so it must run after them.
LAST_MARKER = "scans_outputs"
RELIABILITY_TIMEOUT_SECONDS = 1800

_run_record: RunRecord | None = None
_registry = SecretRegistry()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reliability")
    group.addoption(
        "--bounded",
        action="store_true",
        help="run the reliability suite in its short CI form (about 4 minutes)",
    )
    group.addoption(
        "--reliability-dir",
        type=Path,
        default=None,
        help="folder for this run's logs and results.json (default evidence/reliability/<UTC>)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}: long reliability test (select with -m {MARKER}; nox -s reliability)"
    )
    config.addinivalue_line("markers", f"{LAST_MARKER}: runs after every other test")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = MARKER in (config.option.markexpr or "")
    skip = pytest.mark.skip(
        reason=f"long reliability test: run `pytest tests/reliability -m {MARKER}` "
        "(or nox -s reliability)"
    )
    for item in items:
        if item.get_closest_marker(MARKER) is None:
            continue
        if not selected:
            item.add_marker(skip)
        elif item.get_closest_marker("timeout") is None:
            # A full (unbounded) run is minutes per test; still never forever.
            item.add_marker(pytest.mark.timeout(RELIABILITY_TIMEOUT_SECONDS))
    items.sort(key=lambda item: item.get_closest_marker(LAST_MARKER) is not None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _run_record is not None:
        path = _run_record.write()
        if path is not None:
            print(f"\nreliability results: {path}")


@pytest.fixture(scope="session")
def bounded(pytestconfig: pytest.Config) -> bool:
    """Return whether this is the short (CI) form of the suite."""
    return bool(pytestconfig.getoption("--bounded", default=False))


@pytest.fixture(scope="session")
def run_record(pytestconfig: pytest.Config, bounded: bool) -> Iterator[RunRecord]:
    """Return the run's output folder and figure recorder (results.json at session end)."""
    global _run_record
    chosen = pytestconfig.getoption("--reliability-dir", default=None)
    root = Path(chosen) if chosen else default_run_dir(DEFAULT_BASE)
    root.mkdir(parents=True, exist_ok=True)
    _run_record = RunRecord(root.resolve(), bounded=bounded)
    yield _run_record


@pytest.fixture(scope="session")
def secret_registry() -> SecretRegistry:
    """Return the session's registry of key secrets and payload markers."""
    return _registry


@pytest.fixture
def test_folder(run_record: RunRecord, request: pytest.FixtureRequest) -> Path:
    """Return this test's folder inside the run (scanned for leaked secrets at the end)."""
    return run_record.folder(re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-"))
