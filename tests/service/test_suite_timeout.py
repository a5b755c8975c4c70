"""The suite's own guard: a test that hangs fails after the configured timeout, never blocks CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import UNIT_TIMEOUT_SECONDS

HANGING_TEST = """
import asyncio

async def test_hangs() -> None:
    await asyncio.Event().wait()  # what a lost wakeup or a broken limiter looks like
"""


def test_a_hanging_test_fails_on_the_timeout(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text(HANGING_TEST)
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(root),
            "-c",
            str(root / "pyproject.toml"),
            "--timeout",
            "1",
            str(tmp_path / "test_hang.py"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "Timeout" in result.stdout


def test_every_unit_test_carries_the_time_limit(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("timeout")
    assert marker is not None and marker.args == (UNIT_TIMEOUT_SECONDS,)
