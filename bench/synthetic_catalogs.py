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
    job = service["job"] + suffix
    # Queries written out in full (dashboard panels, runbook steps) name the job too; the
    # catalog refuses a panel that no longer selects what its alert selects.
    clone: dict[str, Any] = _renamed_job(raw, f'job="{service["job"]}"', f'job="{job}"')
    clone["service"] = {**service, "name": service["name"] + suffix, "job": job}
    return clone


def _renamed_job(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_renamed_job(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _renamed_job(item, old, new) for key, item in value.items()}
    return value


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
