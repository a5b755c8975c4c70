"""The catalog: the only place a metric, SLO, alert or panel is defined."""

from obs.catalog.errors import CatalogError
from obs.catalog.loader import DEFAULT_CATALOG_PATH, Catalog, ServiceSpec, load_catalog
from obs.catalog.metrics import MetricSpec

__all__ = [
    "DEFAULT_CATALOG_PATH",
    "Catalog",
    "CatalogError",
    "MetricSpec",
    "ServiceSpec",
    "load_catalog",
]
