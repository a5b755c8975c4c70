"""Clone the project catalog under new service names, one catalog file per service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bench.errors import BenchError


def clone_catalog(raw: dict[str, Any], index: int) -> dict[str, Any]:
    """Return the catalog for synthetic service `index`: same entries, new name and job."""
    service = raw.get("service")
    if not isinstance(service, dict) or "name" not in service or "job" not in service:
        raise BenchError("catalog: `service` must have `name` and `job` to clone it")
    suffix = f"-{index:03d}"
    clone = dict(raw)
    clone["service"] = {**service, "name": service["name"] + suffix, "job": service["job"] + suffix}
    return clone


def write_synthetic_catalogs(source: Path, count: int, folder: Path) -> list[Path]:
    """Write `count` cloned catalogs of `source` into `folder` and return their paths."""
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise BenchError(f"{source}: the catalog must be a mapping at top level")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"catalog{index:03d}.yaml"
        path.write_text(
            yaml.safe_dump(clone_catalog(raw, index), sort_keys=False), encoding="utf-8"
        )
        paths.append(path)
    return paths
