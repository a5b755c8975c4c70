"""Sloth prometheus/v1 in: error and total events become catalog SLO entries."""

from __future__ import annotations

from pathlib import Path

import yaml

from obs.catalog import DEFAULT_CATALOG_PATH, load_catalog
from obs.specs.sloth_import import import_sloth

DATA = Path(__file__).resolve().parent.parent / "data" / "specs" / "sloth"
SERVICE = "techno-backend"


def test_error_over_total_events_become_an_availability_slo() -> None:
    (entry,) = import_sloth(DATA / "action-results.yaml", SERVICE)
    assert entry["name"] == "action_results"
    assert (entry["kind"], entry["objective"], entry["period"]) == ("availability", 0.999, "30d")
    assert entry["errors"] == 'techno_action_results_total{status="FAILED"}'
    assert entry["total"] == "techno_action_results_total"


def test_count_minus_fast_bucket_becomes_a_latency_slo() -> None:
    first, second = import_sloth(DATA / "pipeline.yaml", SERVICE)
    assert (first["name"], first["kind"], first["objective"]) == (
        "pipeline_not_failed",
        "availability",
        0.995,
    )
    assert (second["kind"], second["threshold_seconds"], second["objective"]) == (
        "latency",
        0.25,
        0.95,
    )
    assert second["total"] == 'techno_http_request_duration_seconds_count{route="/process"}'


def test_sloth_examples_load_into_the_real_catalog(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
    for path in sorted(DATA.glob("*.yaml")):
        raw["slos"].extend(import_sloth(path, SERVICE))
    catalog_path = tmp_path / "catalog.yaml"
    catalog_path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    catalog = load_catalog(catalog_path)
    assert {"action_results", "pipeline_not_failed", "process_quarter_second"} <= {
        slo.name for slo in catalog.slos
    }
    assert "ProcessQuarterSecondSLOBurnRatePage" in {a.name for a in catalog.all_alerts}
