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


# Key secrets, tokens and markers are made of these bytes. A needle is looked for in
# one regex pass over a file's runs of them rather than by one find() per needle:
# thousands of needles over a run's hundred megabytes took minutes that way.
_TOKEN_RUN = re.compile(rb"[A-Za-z0-9_-]+")
# Below this an anchor would match too many windows to be worth it: find() instead.
_MIN_ANCHOR = 16


@dataclass(frozen=True)
class _Plan:
    """Needles indexed by their longest token run (their anchor), plus the short rest."""

    by_anchor: dict[bytes, list[tuple[bytes, str]]]
    anchor_lengths: tuple[int, ...]
    unanchored: list[tuple[bytes, str]]

    @classmethod
    def of(cls, needles: list[tuple[bytes, str]]) -> _Plan:
        by_anchor: dict[bytes, list[tuple[bytes, str]]] = {}
        unanchored: list[tuple[bytes, str]] = []
        for needle, what in needles:
            anchor = max(_TOKEN_RUN.findall(needle), key=len, default=b"")
            if len(anchor) >= _MIN_ANCHOR:
                by_anchor.setdefault(anchor, []).append((needle, what))
            else:
                unanchored.append((needle, what))
        lengths = tuple(sorted({len(anchor) for anchor in by_anchor}))
        return cls(by_anchor, lengths, unanchored)

    def occurrences(self, data: bytes) -> Iterable[tuple[int, str]]:
        """Yield (offset, what) for the first occurrence of each needle found in data."""
        reported: set[bytes] = set()
        for needle, what in self.unanchored:
            offset = data.find(needle)
            if offset >= 0:
                yield offset, what
        if not self.anchor_lengths:
            return
        long_runs = re.compile(rb"[A-Za-z0-9_-]{%d,}" % self.anchor_lengths[0])
        for run in long_runs.finditer(data):
            start, end = run.span()
            for anchor in self._anchors_within(data, start, end):
                for needle, what in self.by_anchor[anchor]:
                    if needle in reported:
                        continue
                    offset = data.find(needle)
                    if offset >= 0:
                        reported.add(needle)
                        yield offset, what

    def _anchors_within(self, data: bytes, start: int, end: int) -> Iterable[bytes]:
        # An anchor may sit anywhere in a longer run (a secret glued to other
        # token bytes), so every window of each anchor length is looked up.
        for length in self.anchor_lengths:
            for at in range(start, end - length + 1):
                window = data[at : at + length]
                if window in self.by_anchor:
                    yield window


def scan_files(paths: Iterable[Path], registry: SecretRegistry) -> ScanReport:
    """Return each occurrence of a registered secret, a marker, or any key- or token-shaped text."""
    needles = _needles(registry)
    plan = _Plan.of(needles)
    leaks: list[Leak] = []
    files = size = 0
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        files += 1
        size += len(data)
        leaks += [Leak(path, offset, what) for offset, what in plan.occurrences(data)]
        for pattern, kind in _CREDENTIALS:
            for match in pattern.finditer(data):
                public_id = match.group(0).split(b".")[0].decode()
                leaks.append(Leak(path, match.start(), f"{kind} ({public_id}.<secret>)"))
    return ScanReport(leaks, files, size, len(needles))


def scan_tree(root: Path, registry: SecretRegistry) -> ScanReport:
    """Scan every file under root (logs, audit files, databases, evidence, reports)."""
    return scan_files(sorted(root.rglob("*")), registry)
