"""Run promtool and amtool, failing clearly when a binary is missing."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = {
    "promtool": "apt-get install prometheus",
    "amtool": "apt-get install prometheus-alertmanager",
}


class ToolMissingError(RuntimeError):
    """A required binary is not on PATH."""

    def __init__(self, binary: str) -> None:
        hint = INSTALL_HINT.get(binary, f"install {binary}")
        super().__init__(f"'{binary}' not found on PATH; install it with: {hint}")
        self.binary = binary


@dataclass(frozen=True)
class ToolResult:
    """Exit status and combined output of one tool run."""

    argv: tuple[str, ...]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def require(binary: str) -> str:
    """Return the absolute path of `binary` or raise ToolMissingError."""
    found = shutil.which(binary)
    if found is None:
        raise ToolMissingError(binary)
    return found


def run(binary: str, *args: str, cwd: Path, timeout: float = 300) -> ToolResult:
    """Run a tool with argv (no shell) in `cwd` and capture its output."""
    argv = (require(binary), *args)
    done = subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    return ToolResult((binary, *args), done.returncode, (done.stdout + done.stderr).strip())
