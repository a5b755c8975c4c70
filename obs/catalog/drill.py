"""Typed model of the catalog's `drill` section: how the fire drill compresses time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs.catalog import fields
from obs.catalog.fields import Where

_KEYS = {"scale", "scrape_interval", "evaluation_interval", "min_samples"}

# The real conditions the contract's fire drill can create through the real backend and
# stack; every alert names the one that must make it fire (`drill:` in its catalog entry,
# or in its SLO's). contract/drill/ implements each; a test holds the two lists equal.
ALWAYS = "always"
DRILL_CONDITIONS: dict[str, str] = {
    ALWAYS: "none: the alert fires at every evaluation (a dead man's switch) and never resolves",
    "backend_stopped": "the backend process or container is stopped, then started again",
    "target_removed": "the backend's target leaves Prometheus's config, then comes back",
    "upstream_failing": "the chat executor's upstream answers 500, so /process answers 5xx",
    "upstream_slow": "the chat executor's upstream answers slowly, so /process is slow",
    "bad_keys": "a client sends requests with an unknown API key",
    "request_flood": "a bounded load of allowed requests well above the volume threshold",
    "audit_unwritable": "the audit log's path is replaced by a device that fails every write",
}

# How far the load-shaped conditions reach, so `obs calibrate` refuses a threshold beyond
# them instead of the drill failing on it (contract/drill uses these very numbers):
# request_flood sends FLOOD_RATE_RPS allowed requests a second, and a volume threshold
# must sit FLOOD_MARGIN times below it so the drill's short windows clear it; upstream_slow
# makes each chat request take SLOW_UPSTREAM_SECONDS.
FLOOD_RATE_RPS = 120.0
FLOOD_MARGIN = 2.0
SLOW_UPSTREAM_SECONDS = 0.7


def drill_condition(body: dict[str, Any], where: Where) -> str:
    """Return the entry's required `drill` condition, naming the known ones when wrong."""
    value = body.get("drill")
    if value not in DRILL_CONDITIONS:
        raise where.error(
            "drill",
            f"must name the condition that fires it, one of {sorted(DRILL_CONDITIONS)}; "
            f"got {value!r}",
        )
    return str(value)


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
