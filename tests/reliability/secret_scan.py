"""Look through every file a run left for key secrets, credential headers and payload text."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.reliability.reliability_record import API_KEY_RE, SecretRegistry


@dataclass(frozen=True)
class Leak:
    """One secret found in a file; `what` identifies it without repeating it."""

    path: Path
    offset: int
    what: str

    def __str__(self) -> str:
        return f"{self.path} @ byte {self.offset}: {self.what}"


@dataclass(frozen=True)
class ScanReport:
    """Leaks found, and how much was looked at."""

    leaks: list[Leak]
    files: int
    bytes: int
    needles: int


def fingerprint(secret: str) -> str:
    """Return a short, non-reversible name for a secret (for messages and reports)."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


def _needles(registry: SecretRegistry) -> list[tuple[bytes, str]]:
    found = [(s.encode(), f"registered secret {fingerprint(s)}") for s in registry.secrets]
    found += [(m.encode(), f"payload marker {m[:22]}...") for m in registry.markers]
    return found


def scan_files(paths: Iterable[Path], registry: SecretRegistry) -> ScanReport:
    """Return every occurrence of a registered secret, marker, or any API-key-shaped string."""
    needles = _needles(registry)
    leaks: list[Leak] = []
    files = size = 0
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        files += 1
        size += len(data)
        for needle, what in needles:
            offset = data.find(needle)
            if offset >= 0:
                leaks.append(Leak(path, offset, what))
        for match in API_KEY_RE.finditer(data):
            key_id = match.group(0).split(b".")[0].decode()
            leaks.append(Leak(path, match.start(), f"an API key ({key_id}.<secret>)"))
    return ScanReport(leaks, files, size, len(needles))


def scan_tree(root: Path, registry: SecretRegistry) -> ScanReport:
    """Scan every file under root (logs, audit files, databases, evidence, reports)."""
    return scan_files(sorted(root.rglob("*")), registry)
