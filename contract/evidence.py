"""The evidence folder: every file a run leaves behind, redacted on the way in."""

from __future__ import annotations

import itertools
import json
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from contract.redact import Redactor

_SLUG_RE = re.compile(r"[^A-Za-z0-9]+")


def default_evidence_dir(base: Path, runtime: str, now: datetime | None = None) -> Path:
    """Return base/<UTC timestamp>-<runtime>, unique even for two runs in one second."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    candidate = base / f"{stamp}-{runtime}"
    for n in itertools.count(2):
        if not candidate.exists():
            return candidate
        candidate = base / f"{stamp}-{runtime}-{n}"
    raise AssertionError("unreachable")  # pragma: no cover


def slug(text: str, limit: int = 60) -> str:
    """Turn text into a short file-name-safe slug."""
    return _SLUG_RE.sub("-", text).strip("-").lower()[:limit] or "x"


class Evidence:
    """Write redacted files under one run's evidence folder."""

    def __init__(self, root: Path, redactor: Redactor) -> None:
        self.root = root
        self.redact = redactor
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def link_latest(self) -> None:
        """Point <parent>/latest at this folder (replacing an older link)."""
        link = self.root.parent / "latest"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(self.root.name, target_is_directory=True)

    def path(self, relative: str) -> Path:
        """Return the absolute path of a file inside the folder, creating its parent."""
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_text(self, relative: str, text: str) -> Path:
        """Write redacted text and return its path."""
        target = self.path(relative)
        target.write_text(self.redact(text), encoding="utf-8")
        return target

    def write_json(self, relative: str, data: Any) -> Path:
        """Write redacted, sorted, indented JSON and return its path."""
        return self.write_text(relative, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def record_response(self, response: requests.Response, *_: Any, **__: Any) -> None:
        """Save one HTTP answer under api/ (usable as a requests response hook)."""
        with self._lock:
            number = next(self._counter)
        request = response.request
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:20000]
        name = f"api/{number:04d}-{slug(str(request.method))}-{slug(str(request.path_url))}.json"
        saved = self.write_json(
            name,
            {
                "method": request.method,
                "url": request.url,
                "status": response.status_code,
                "elapsed_ms": round(response.elapsed.total_seconds() * 1000, 1),
                "body": body,
            },
        )
        # Steps quote this path in their failure messages.
        response.evidence_path = str(saved.relative_to(self.root))  # type: ignore[attr-defined]

    def session(self) -> requests.Session:
        """Return a requests session whose every answer is recorded here."""
        session = requests.Session()
        session.hooks["response"].append(self.record_response)
        return session


def evidence_of(response: requests.Response) -> str:
    """Return the evidence file a recorded response was saved to ('' if none)."""
    return str(getattr(response, "evidence_path", ""))
