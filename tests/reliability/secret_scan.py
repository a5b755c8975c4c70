"""Look through every file a run left for key secrets, credential headers and payload text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.reliability.reliability_record import API_KEY_RE, SecretRegistry

# Session tokens (POST /sessions) are API-key shaped under their own prefix.
SESSION_TOKEN_RE = re.compile(rb"ses_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}")
_CREDENTIALS = ((API_KEY_RE, "an API key"), (SESSION_TOKEN_RE, "a session token"))


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
    """Return each occurrence of a registered secret, a marker, or any key- or token-shaped text."""
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
        for pattern, kind in _CREDENTIALS:
            for match in pattern.finditer(data):
                public_id = match.group(0).split(b".")[0].decode()
                leaks.append(Leak(path, match.start(), f"{kind} ({public_id}.<secret>)"))
    return ScanReport(leaks, files, size, len(needles))


def scan_tree(root: Path, registry: SecretRegistry) -> ScanReport:
    """Scan every file under root (logs, audit files, databases, evidence, reports)."""
    return scan_files(sorted(root.rglob("*")), registry)
