"""Fixtures for obs tests: an editable copy of the catalog and a freshly generated tree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from obs.catalog import DEFAULT_CATALOG_PATH, load_catalog
from obs.generate.artifacts import render_all, write

CatalogEditor = Callable[[Callable[[dict[str, Any]], None]], Path]


@pytest.fixture
def edit_catalog(tmp_path: Path) -> CatalogEditor:
    """Return a function that writes an edited copy of the real catalog and returns its path."""

    def edit(change: Callable[[dict[str, Any]], None]) -> Path:
        raw = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
        change(raw)
        path = tmp_path / "catalog.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        return path

    return edit


@pytest.fixture(scope="session")
def generated_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate every artifact from the real catalog into a fresh directory."""
    root = tmp_path_factory.mktemp("generated")
    write(render_all(load_catalog()), root)
    return root
