"""The one error type a bad catalog raises."""

from __future__ import annotations

from pathlib import Path


class CatalogError(ValueError):
    """A catalog entry is invalid; the message names the file, the entry and the field."""

    def __init__(self, path: Path | str, entry: str, field: str, problem: str) -> None:
        self.path = str(path)
        self.entry = entry
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}: {entry}: field '{field}': {problem}")
