"""Load and validate obs/catalog.yaml into a typed Catalog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from obs.catalog.errors import CatalogError
from obs.catalog.metrics import MetricSpec, parse_metrics

DEFAULT_CATALOG_PATH = Path(__file__).resolve().parent.parent / "catalog.yaml"


@dataclass(frozen=True)
class ServiceSpec:
    """The service the catalog describes and the Prometheus job that scrapes it."""

    name: str
    job: str


@dataclass(frozen=True)
class Catalog:
    """The whole validated catalog."""

    path: Path
    service: ServiceSpec
    metrics: tuple[MetricSpec, ...]

    def metric(self, name: str) -> MetricSpec:
        for spec in self.metrics:
            if spec.name == name:
                return spec
        raise KeyError(name)


def load_catalog(path: Path | str = DEFAULT_CATALOG_PATH) -> Catalog:
    """Read, parse and validate a catalog file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(path, "-", "-", f"cannot read catalog: {exc.strerror}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(path, "-", "-", f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(path, "-", "-", "the catalog must be a mapping at top level")
    return Catalog(
        path=path,
        service=_parse_service(raw.get("service"), path),
        metrics=parse_metrics(raw.get("metrics"), path),
    )


def _parse_service(raw: Any, path: Path) -> ServiceSpec:
    if not isinstance(raw, dict):
        raise CatalogError(path, "service", "service", "must be a mapping with name and job")
    for field in ("name", "job"):
        if not isinstance(raw.get(field), str) or not raw[field]:
            raise CatalogError(path, "service", field, "must be a non-empty string")
    return ServiceSpec(name=raw["name"], job=raw["job"])
