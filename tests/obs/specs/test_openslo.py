"""OpenSLO v1 in and out: the examples import, the real catalog round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from obs.catalog import DEFAULT_CATALOG_PATH, load_catalog
from obs.specs.openslo_export import dump_documents, export_openslo
from obs.specs.openslo_import import import_openslo
from obs.specs.openslo_schema import SCHEMA_DIR, _registry

DATA = Path(__file__).resolve().parent.parent / "data" / "specs"
SERVICE = "techno-backend"


def _one(name: str) -> dict[str, object]:
    (entry,) = import_openslo([DATA / "openslo" / name], SERVICE)
    return entry


def test_inline_bad_over_total_becomes_an_availability_slo() -> None:
    entry = _one("executor-success.yaml")
    assert entry["name"] == "executor_success"
    assert entry["kind"] == "availability"
    assert entry["objective"] == 0.995
    assert entry["period"] == "7d"
    assert entry["errors"] == 'techno_executor_calls_total{outcome!="success"}'
    assert entry["total"] == "techno_executor_calls_total"


def test_referenced_sli_good_bucket_becomes_a_latency_slo() -> None:
    entry = _one("process-fast.yaml")
    assert (entry["kind"], entry["threshold_seconds"], entry["period"]) == ("latency", 0.5, "28d")
    assert entry["total"] == 'techno_http_request_duration_seconds_count{route="/process"}'
    assert entry["drill"] == "upstream_slow"


def test_threshold_metric_through_a_data_source_becomes_a_latency_slo() -> None:
    entry = _one("admin-threshold.yaml")
    assert (entry["kind"], entry["threshold_seconds"], entry["objective"]) == ("latency", 1.0, 0.9)
    assert entry["total"] == 'techno_http_request_duration_seconds_count{route="/admin/keys"}'


def test_every_example_loads_into_the_real_catalog(tmp_path: Path) -> None:
    entries = import_openslo(sorted((DATA / "openslo").glob("*.yaml")), SERVICE)
    raw = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
    raw["slos"].extend(entries)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    names = [slo.name for slo in load_catalog(path).slos]
    assert names[-3:] == ["admin_keys_latency", "executor_success", "process_fast"]


def test_export_is_valid_against_the_openslo_v1_root_schema() -> None:
    root = json.loads((SCHEMA_DIR / "openslo.schema.json").read_text(encoding="utf-8"))
    validator = Draft7Validator(root, registry=_registry())
    documents = export_openslo(load_catalog())
    assert [d["kind"] for d in documents].count("SLO") == len(load_catalog().slos)
    for document in documents:
        validator.validate(document)


def test_the_root_schema_rejects_what_openslo_rejects() -> None:
    root = json.loads((SCHEMA_DIR / "openslo.schema.json").read_text(encoding="utf-8"))
    document = export_openslo(load_catalog())[0]
    del document["spec"]["budgetingMethod"]
    assert not Draft7Validator(root, registry=_registry()).is_valid(document)


def test_round_trip_of_the_real_catalog_is_stable(tmp_path: Path) -> None:
    catalog = load_catalog()
    exported = tmp_path / "slos.yaml"
    exported.write_text(dump_documents(export_openslo(catalog)), encoding="utf-8")
    entries = import_openslo([exported], catalog.service.name)
    raw = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
    assert entries == raw["slos"]
    # And a second export of the re-imported catalog is byte-identical.
    raw["slos"] = entries
    again = tmp_path / "catalog.yaml"
    again.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    assert dump_documents(export_openslo(load_catalog(again))) == exported.read_text("utf-8")


@pytest.mark.parametrize("name", ["executor-success.yaml", "process-fast.yaml"])
def test_an_imported_slo_exports_back_to_the_same_entry(name: str, tmp_path: Path) -> None:
    entries = import_openslo([DATA / "openslo" / name], SERVICE)
    raw = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
    raw["slos"].extend(entries)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    exported = tmp_path / "out.yaml"
    exported.write_text(dump_documents(export_openslo(load_catalog(path))), encoding="utf-8")
    assert import_openslo([exported], SERVICE)[-1] == entries[0]
