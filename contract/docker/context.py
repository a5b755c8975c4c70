"""Build contexts: which files docker would send, and a content hash over them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from docker.utils.build import exclude_paths


def dockerignore_patterns(context: Path) -> list[str]:
    """Return the .dockerignore patterns of context, the way the docker SDK reads them."""
    ignore = context / ".dockerignore"
    if not ignore.is_file():
        return []
    lines = (line.strip() for line in ignore.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def context_files(context: Path, dockerfile: str = "Dockerfile") -> list[str]:
    """Return the sorted relative paths of the regular files sent as build context."""
    paths = exclude_paths(str(context), dockerignore_patterns(context), dockerfile=dockerfile)
    return sorted(path for path in paths if (context / path).is_file())


def content_hash(
    context: Path,
    *,
    dockerfile: str = "Dockerfile",
    buildargs: Mapping[str, str] | None = None,
    parent_ids: Iterable[str] = (),
) -> str:
    """Hash every context file, the build args and the parent image ids into one digest."""
    digest = hashlib.sha256()
    for relative in context_files(context, dockerfile):
        path = context / relative
        # The mode matters too: COPY keeps the executable bit.
        digest.update(f"file {relative} {path.stat().st_mode & 0o777:o}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for key, value in sorted((buildargs or {}).items()):
        digest.update(f"arg {key}={value}\n".encode())
    for parent in parent_ids:
        digest.update(f"parent {parent}\n".encode())
    return digest.hexdigest()[:32]
