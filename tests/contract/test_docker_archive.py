"""Config archives land in containers as read-only files at the paths the configs name."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path, PurePosixPath

import pytest

from contract.docker.archive import ConfigArchive


def _members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_files_and_their_parent_directories_are_archived(tmp_path: Path) -> None:
    archive = ConfigArchive()
    archive.add_text(PurePosixPath("/etc/techno/prometheus/prometheus.yml"), "global: {}\n")
    members = _members(archive.tar())
    assert set(members) == {
        "etc",
        "etc/techno",
        "etc/techno/prometheus",
        "etc/techno/prometheus/prometheus.yml",
    }
    config = members["etc/techno/prometheus/prometheus.yml"]
    assert config.mode == 0o444 and config.uid == 0 and config.size == len("global: {}\n")
    assert members["etc/techno"].isdir()


def test_tree_copies_only_matching_files(tmp_path: Path) -> None:
    (tmp_path / "backend.yml").write_text("groups: []\n")
    (tmp_path / "README.md").write_text("not a rule file\n")
    archive = ConfigArchive()
    archive.add_tree(tmp_path, PurePosixPath("/etc/techno/artifacts/alerts"), ["*.yml"])
    assert archive.paths() == [PurePosixPath("/etc/techno/artifacts/alerts/backend.yml")]
    with tarfile.open(fileobj=io.BytesIO(archive.tar())) as tar:
        extracted = tar.extractfile("etc/techno/artifacts/alerts/backend.yml")
        assert extracted is not None and extracted.read() == b"groups: []\n"


def test_relative_in_container_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="must be absolute"):
        ConfigArchive().add_text(PurePosixPath("etc/prometheus.yml"), "")
