"""Read the YAML documents of a spec file, each with the reference its errors name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from obs.specs.errors import DocRef, SpecError


def read_documents(path: Path) -> list[tuple[DocRef, dict[str, Any]]]:
    """Return every non-empty document of a (multi-document) YAML file as a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(path, "-", "-", f"cannot read: {exc.strerror}") from exc
    try:
        raw = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        raise SpecError(path, "-", "-", f"not valid YAML: {exc}") from exc
    if not raw:
        raise SpecError(path, "-", "-", "holds no document")
    documents = []
    for index, doc in enumerate(raw):
        if not isinstance(doc, dict):
            raise DocRef(path, index).error("-", "a document must be a mapping")
        meta = doc.get("metadata")
        name = meta.get("name", "") if isinstance(meta, dict) else doc.get("service", "")
        documents.append((DocRef(path, index, str(name)), doc))
    return documents
