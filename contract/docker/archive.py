"""Tar archives that deliver a run's config files into a container (docker put_archive)."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath


class ConfigArchive:
    """Collect files under absolute in-container paths; emit them as one tar for put_archive."""

    def __init__(self) -> None:
        self._files: dict[PurePosixPath, bytes] = {}

    def add_text(self, path: PurePosixPath, text: str) -> None:
        """Add a file with text at the absolute in-container path."""
        if not path.is_absolute():
            raise ValueError(f"in-container path {path} must be absolute")
        self._files[path] = text.encode("utf-8")

    def add_tree(self, source: Path, target: PurePosixPath, patterns: Iterable[str]) -> None:
        """Add the files of source matching patterns (non-recursive) under target."""
        for pattern in patterns:
            for path in sorted(source.glob(pattern)):
                if path.is_file():
                    self._files[target / path.name] = path.read_bytes()

    def add_all(self, files: Mapping[PurePosixPath, str]) -> None:
        """Add every text file of files."""
        for path, text in files.items():
            self.add_text(path, text)

    def paths(self) -> list[PurePosixPath]:
        """Return the in-container paths of every file, sorted."""
        return sorted(self._files)

    def tar(self) -> bytes:
        """Return the archive to extract at '/': root-owned, world-readable, read-only files."""
        buffer = io.BytesIO()
        now = int(time.time())
        directories: set[PurePosixPath] = set()
        for path in self._files:
            directories.update(p for p in path.parents if p != PurePosixPath("/"))
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for directory in sorted(directories):
                info = tarfile.TarInfo(str(directory).lstrip("/"))
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                info.mtime = now
                tar.addfile(info)
            for path, data in sorted(self._files.items()):
                info = tarfile.TarInfo(str(path).lstrip("/"))
                # Components run as unprivileged users: they read their config, never write it.
                info.mode = 0o444
                info.size = len(data)
                info.mtime = now
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()
