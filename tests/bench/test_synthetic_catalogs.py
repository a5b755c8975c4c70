"""Synthetic catalogs are real catalogs of distinct services that obs can load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.errors import BenchError
from bench.synthetic_catalogs import clone_catalog, write_synthetic_catalogs
from obs.catalog import DEFAULT_CATALOG_PATH, load_catalog


def test_each_clone_is_a_loadable_catalog_with_its_own_service_and_job(tmp_path: Path) -> None:
    paths = write_synthetic_catalogs(DEFAULT_CATALOG_PATH, 3, tmp_path)
    catalogs = [load_catalog(p) for p in paths]
    jobs = {c.service.job for c in catalogs}
    assert len(jobs) == 3
    assert all(job.startswith("techno-backend-") for job in jobs)
    original = load_catalog(DEFAULT_CATALOG_PATH)
    assert all(len(c.alerts) == len(original.alerts) for c in catalogs)
    assert all(len(c.dashboards) == len(original.dashboards) for c in catalogs)


def test_a_catalog_without_a_service_cannot_be_cloned() -> None:
    with pytest.raises(BenchError, match="service"):
        clone_catalog({"metrics": []}, 1)


def test_a_catalog_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(yaml.safe_dump([1, 2]), encoding="utf-8")
    with pytest.raises(BenchError, match="mapping"):
        write_synthetic_catalogs(source, 1, tmp_path / "out")
