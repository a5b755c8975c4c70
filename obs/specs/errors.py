"""The error an SLO spec raises when it cannot become a catalog entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from obs.catalog.errors import CatalogError


class SpecError(CatalogError):
    """A spec document cannot be mapped; the message names the file, document and field."""


@dataclass(frozen=True)
class DocRef:
    """One document of a spec file: the file, its index in the file and its name."""

    path: Path
    index: int
    name: str = ""

    @property
    def label(self) -> str:
        return f"document[{self.index}]" + (f" {self.name!r}" if self.name else "")

    def error(self, field: str, problem: str) -> SpecError:
        """Build the SpecError for `field` (a dotted path inside the document)."""
        return SpecError(self.path, self.label, field, problem)
