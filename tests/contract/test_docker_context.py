"""The build-context hash decides whether a local image is stale."""

from __future__ import annotations

from pathlib import Path

from contract.docker.context import content_hash, context_files


def _context(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "app.py").write_text("print('v1')\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "big.bin").write_bytes(b"\0" * 10)
    (tmp_path / ".dockerignore").write_text("# local only\n.venv\n")
    return tmp_path


def test_context_files_leave_out_what_dockerignore_names(tmp_path: Path) -> None:
    files = context_files(_context(tmp_path))
    assert files == [".dockerignore", "Dockerfile", "app.py"]


def test_hash_changes_when_a_context_file_changes(tmp_path: Path) -> None:
    context = _context(tmp_path)
    before = content_hash(context)
    (context / "app.py").write_text("print('v2')\n")
    assert content_hash(context) != before


def test_hash_ignores_files_outside_the_context(tmp_path: Path) -> None:
    context = _context(tmp_path)
    before = content_hash(context)
    (context / ".venv" / "big.bin").write_bytes(b"\1" * 10)
    assert content_hash(context) == before


def test_hash_covers_build_args_and_parent_images(tmp_path: Path) -> None:
    context = _context(tmp_path)
    plain = content_hash(context)
    assert content_hash(context, buildargs={"BASE_IMAGE": "a"}) != plain
    assert content_hash(context, parent_ids=["sha256:1"]) != content_hash(
        context, parent_ids=["sha256:2"]
    )


def test_hash_covers_the_executable_bit(tmp_path: Path) -> None:
    context = _context(tmp_path)
    before = content_hash(context)
    (context / "app.py").chmod(0o755)
    assert content_hash(context) != before
