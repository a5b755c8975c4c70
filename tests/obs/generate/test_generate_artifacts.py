"""Generation is byte-stable, drift is detected, and one threshold changes three files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from obs.catalog import DEFAULT_CATALOG_PATH, load_catalog
from obs.cli import main
from obs.generate.artifacts import owned_files, render_all, write

REPO = DEFAULT_CATALOG_PATH.parent.parent


def _tree(root: Path) -> dict[str, bytes]:
    return {p: (root / p).read_bytes() for p in owned_files(root)}


def test_generating_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["generate", "--out", str(first)]) == 0
    assert main(["generate", "--out", str(second)]) == 0
    assert _tree(first) == _tree(second)
    assert len(_tree(first)) > 30


def test_every_file_ends_with_one_newline_and_carries_no_timestamp(generated_tree: Path) -> None:
    for relative, content in _tree(generated_tree).items():
        text = content.decode("utf-8")
        assert text.endswith("\n") and not text.endswith("\n\n"), relative
        assert "2026-" not in text and "UTC" not in text, relative


def test_committed_artifacts_match_the_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--check"]) == 0, capsys.readouterr().out


def _copy_generated(generated_tree: Path, target: Path) -> Path:
    for relative in owned_files(generated_tree):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated_tree / relative, target / relative)
    return target


def test_check_lists_each_drifted_file_and_fails(
    generated_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_generated(generated_tree, tmp_path)
    assert main(["generate", "--check", "--out", str(root)]) == 0
    with (root / "alerts/traffic.yml").open("a", encoding="utf-8") as handle:
        handle.write("# hand edit\n")
    (root / "runbooks/BackendDown.md").unlink()
    (root / "dashboards/hand-made.json").write_text("{}\n", encoding="utf-8")
    capsys.readouterr()

    assert main(["generate", "--check", "--out", str(root)]) == 1

    out = capsys.readouterr().out
    assert "DRIFT alerts/traffic.yml: differs" in out
    assert "DRIFT runbooks/BackendDown.md: missing" in out
    assert "DRIFT dashboards/hand-made.json: not generated from the catalog" in out
    assert "3 drifted files" in out


def test_generate_removes_stale_generated_files(generated_tree: Path, tmp_path: Path) -> None:
    root = _copy_generated(generated_tree, tmp_path)
    (root / "runbooks/RemovedAlert.md").write_text("old\n", encoding="utf-8")
    assert main(["generate", "--out", str(root)]) == 0
    assert not (root / "runbooks/RemovedAlert.md").exists()


def test_changing_one_threshold_changes_its_rule_test_and_runbook_only(
    edit_catalog: Callable[[Callable[[dict[str, Any]], None]], Path], tmp_path: Path
) -> None:
    def raise_threshold(raw: dict[str, Any]) -> None:
        next(a for a in raw["alerts"] if a["name"] == "HighErrorRate")["threshold"] = 0.1

    # Compare against the same catalog round-tripped through YAML, so only the edit differs.
    before, after = tmp_path / "before", tmp_path / "after"
    write(render_all(load_catalog(edit_catalog(lambda raw: None))), before)
    write(render_all(load_catalog(edit_catalog(raise_threshold))), after)

    old, new = _tree(before), _tree(after)
    changed = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
    assert changed == [
        "alerts/drill/traffic.yml",
        "alerts/tests/HighErrorRate.yml",
        "alerts/traffic.yml",
        "runbooks/HighErrorRate.md",
    ]
    assert b"> 0.1" in new["alerts/traffic.yml"]
    assert b"> 0.1" in new["alerts/drill/traffic.yml"]
    assert b"more than 10% of /process" in new["alerts/tests/HighErrorRate.yml"]


def test_every_alert_has_a_runbook_and_a_promtool_test(generated_tree: Path) -> None:
    names = {a.name for a in load_catalog().all_alerts}
    assert len(names) == 13
    runbooks = {p.stem for p in (generated_tree / "runbooks").glob("*.md")} - {"README"}
    tests = {p.stem for p in (generated_tree / "alerts/tests").glob("*.yml")}
    assert runbooks == names
    assert tests == names
    index = (generated_tree / "runbooks/README.md").read_text(encoding="utf-8")
    assert all(f"]({name}.md)" in index for name in names)


def test_generated_files_match_the_repository_layout() -> None:
    assert {p.split("/")[0] for p in owned_files(REPO)} == {
        "alerts",
        "dashboards",
        "runbooks",
        "deploy",
    }
