"""Describe the machine and the versions a result was measured with."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.wrk_runner import wrk_version

PACKAGES = (
    "aiohttp",
    "uvloop",
    "uvicorn",
    "httptools",
    "fastapi",
    "starlette",
    "prometheus-client",
    "jsonschema",
    "matplotlib",
)


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """Return the CPU model name, or the platform's processor string."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str:
    """Return an installed distribution's version, or 'not installed'."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe_machine() -> dict[str, Any]:
    """Return CPU, OS, load and versions for the results JSON."""
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "load_average_at_start": list(os.getloadavg()),
        "versions": {name: package_version(name) for name in PACKAGES} | {"wrk": wrk_version()},
    }
