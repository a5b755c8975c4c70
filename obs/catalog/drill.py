"""Typed model of the catalog's `drill` section: how the fire drill compresses time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs.catalog import fields
from obs.catalog.fields import Where

_KEYS = {"scale", "scrape_interval", "evaluation_interval", "min_samples"}


@dataclass(frozen=True)
class DrillSpec:
    """One time scale for every range and `for` of the drill copy of the rules."""

    # Every range selector and every `for` of the drill rules is the real one divided by this.
    scale: int
    # The drill Prometheus scrapes and evaluates this often, so the scaled ranges hold samples.
    scrape_interval: str
    evaluation_interval: str
    # A scaled range must span at least this many scrapes, or rate() has too few samples.
    min_samples: int

    @property
    def scrape_seconds(self) -> float:
        return fields.seconds_exact(self.scrape_interval)

    @property
    def evaluation_seconds(self) -> float:
        return fields.seconds_exact(self.evaluation_interval)


def parse_drill(raw: Any, path: Path) -> DrillSpec:
    """Validate the `drill` mapping."""
    where = Where(path, "drill")
    body = fields.mapping(raw, where, "drill")
    fields.only_keys(body, where, _KEYS)
    scale = body.get("scale")
    if not isinstance(scale, int) or isinstance(scale, bool) or scale < 1:
        raise where.error("scale", f"must be a whole number >= 1, got {scale!r}")
    min_samples = body.get("min_samples", 4)
    if not isinstance(min_samples, int) or isinstance(min_samples, bool) or min_samples < 2:
        raise where.error("min_samples", f"must be a whole number >= 2, got {min_samples!r}")
    return DrillSpec(
        scale=scale,
        scrape_interval=fields.duration(body, where, "scrape_interval"),
        evaluation_interval=fields.duration(body, where, "evaluation_interval"),
        min_samples=min_samples,
    )
