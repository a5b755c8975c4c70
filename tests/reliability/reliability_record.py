"""The reliability run's output folder, its measured figures and the secrets it must never leak."""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

RESULTS_FILE = "results.json"
# Every API key the service issues looks like this; any match in an output file is a leak
# even when the key was created by a process the suite does not control (contract, fuzzer).
API_KEY_RE = re.compile(rb"key_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}")
T = TypeVar("T")


def pick(bounded: bool, short: T, full: T) -> T:
    """Return the bounded (CI) figure in the short form of the suite, else the full one."""
    return short if bounded else full


def default_run_dir(base: Path, now: datetime | None = None) -> Path:
    """Return base/<UTC timestamp>, unique even for two runs started in one second."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    candidate = base / stamp
    suffix = 2
    while candidate.exists():
        candidate = base / f"{stamp}-{suffix}"
        suffix += 1
    return candidate


@dataclass
class SecretRegistry:
    """Every secret and payload marker the suite created; the scanner looks for each one."""

    secrets: set[str] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_api_key(self, api_key: str) -> str:
        """Remember an issued key (whole, its secret part and its header values); return it."""
        _, _, secret_part = api_key.partition(".")
        with self._lock:
            self.secrets.update({api_key, f"Bearer {api_key}"})
            if secret_part:
                self.secrets.add(secret_part)
        return api_key

    def marker(self, label: str) -> str:
        """Return a fresh payload marker string and remember it."""
        value = f"payload-marker-{label}-{secrets.token_hex(8)}"
        self.add_marker(value)
        return value

    def add_marker(self, value: str) -> None:
        """Remember payload text that must never be written anywhere."""
        with self._lock:
            self.markers.add(value)


class RunRecord:
    """One reliability run: where its files go and the figure each promise measured."""

    def __init__(self, root: Path, *, bounded: bool) -> None:
        self.root = root
        self.bounded = bounded
        self.started_utc = datetime.now(UTC).isoformat(timespec="seconds")
        self._figures: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    @property
    def mode(self) -> str:
        return "bounded" if self.bounded else "full"

    def folder(self, name: str) -> Path:
        """Return (creating it) a sub-folder of the run for one test's files."""
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def record(self, promise: str, test: str, **figures: Any) -> None:
        """Keep the figures a test measured for a promise (the last call wins)."""
        with self._lock:
            self._figures[promise] = {"test": test, **figures}

    def write(self) -> Path | None:
        """Write results.json if any figure was recorded; return its path."""
        with self._lock:
            if not self._figures:
                return None
            document = {
                "mode": self.mode,
                "started_utc": self.started_utc,
                "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "promises": dict(sorted(self._figures.items())),
            }
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / RESULTS_FILE
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path
