"""`obs import` prints, diffs or writes; a failure writes nothing; `obs export` round-trips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from obs.catalog import DEFAULT_CATALOG_PATH, load_catalog
from obs.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "specs"


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    shutil.copyfile(DEFAULT_CATALOG_PATH, path)
    return path


def test_import_prints_entries_and_leaves_the_catalog_alone(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = catalog.read_text(encoding="utf-8")
    assert (
        main(
            [
                "--catalog",
                str(catalog),
                "import",
                "sloth",
                str(DATA / "sloth" / "action-results.yaml"),
            ]
        )
        == 0
    )
    printed = yaml.safe_load(capsys.readouterr().out)
    assert [entry["name"] for entry in printed["slos"]] == ["action_results"]
    assert catalog.read_text(encoding="utf-8") == before


def test_diff_shows_the_change_and_write_applies_it(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = catalog.read_text(encoding="utf-8")
    args = [
        "--catalog",
        str(catalog),
        "import",
        "openslo",
        str(DATA / "openslo" / "process-fast.yaml"),
    ]
    assert main([*args, "--diff"]) == 0
    diff = capsys.readouterr().out
    assert "+  - name: process_fast" in diff
    assert catalog.read_text(encoding="utf-8") == before
    assert main([*args, "--write"]) == 0
    assert capsys.readouterr().out == diff
    after = catalog.read_text(encoding="utf-8")
    # Only added lines: the catalog's comments and entries stay as they were.
    assert after.startswith(before.split("\ndashboards:")[0])
    assert "process_fast" in {slo.name for slo in load_catalog(catalog).slos}


def test_a_bad_spec_exits_non_zero_and_writes_nothing(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = catalog.read_text(encoding="utf-8")
    files = [
        str(DATA / "sloth" / "action-results.yaml"),
        str(DATA / "bad" / "sloth-mixed-metrics.yaml"),
    ]
    assert main(["--catalog", str(catalog), "import", "sloth", *files, "--write"]) == 2
    err = capsys.readouterr().err
    assert "sloth-mixed-metrics.yaml: document[0]" in err
    assert "slos[1].sli.events.error_query" in err
    assert catalog.read_text(encoding="utf-8") == before


def test_importing_an_slo_the_catalog_has_fails(catalog: Path, tmp_path: Path) -> None:
    exported = tmp_path / "slos.yaml"
    assert main(["--catalog", str(catalog), "export", "openslo", "--out", str(exported)]) == 0
    assert main(["--catalog", str(catalog), "import", "openslo", str(exported), "--write"]) == 2
