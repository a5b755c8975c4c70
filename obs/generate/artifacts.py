"""Render every artifact in memory, write the tree, and detect drift."""

from __future__ import annotations

import filecmp
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from obs.catalog import Catalog
from obs.generate.dashboards import render_dashboards
from obs.generate.deploy import render_deploy
from obs.generate.rules import render_drill_rule_files, render_rule_files, render_rule_tests
from obs.generate.runbooks import render_runbooks

Renderer = Callable[[Catalog], Iterable[tuple[str, str]]]

# Artifact groups in the order they are generated and reported.
GROUPS: tuple[tuple[str, Renderer], ...] = (
    ("alert rules", render_rule_files),
    ("drill rules", render_drill_rule_files),
    ("promtool tests", render_rule_tests),
    ("dashboards", render_dashboards),
    ("runbooks", render_runbooks),
    ("stack configs", render_deploy),
)
# Generated files live only here; anything else matching these patterns is stale.
OWNED_PATTERNS = (
    "alerts/*.yml",
    "alerts/tests/*.yml",
    "alerts/drill/*.yml",
    "dashboards/*.json",
    "runbooks/*.md",
    "deploy/prometheus/*.yml",
    "deploy/alertmanager/*.yml",
    "deploy/grafana/*.ini",
    "deploy/grafana/provisioning/*/*.yml",
)


@dataclass(frozen=True)
class ArtifactGroup:
    """One rendered group of artifacts: its name and files (relative path -> text)."""

    name: str
    files: dict[str, str]


def render_all(catalog: Catalog) -> tuple[ArtifactGroup, ...]:
    """Render every artifact group from a validated catalog."""
    catalog.require_artifact_sections()
    return tuple(ArtifactGroup(name, dict(render(catalog))) for name, render in GROUPS)


def owned_files(root: Path) -> Iterator[str]:
    """Yield the relative paths of generated-looking files present under `root`."""
    for pattern in OWNED_PATTERNS:
        for path in sorted(root.glob(pattern)):
            yield path.relative_to(root).as_posix()


def write(groups: Iterable[ArtifactGroup], root: Path) -> list[str]:
    """Write every file (bytes exactly as rendered) and delete stale ones; return stale paths."""
    wanted: set[str] = set()
    for group in groups:
        for relative, text in group.files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
            wanted.add(relative)
    stale = sorted(set(owned_files(root)) - wanted)
    for relative in stale:
        (root / relative).unlink()
    return stale


def drift(groups: Iterable[ArtifactGroup], root: Path) -> list[str]:
    """Regenerate into a temp dir and list every file that differs from `root`."""
    groups = tuple(groups)
    with tempfile.TemporaryDirectory(prefix="obs-generate-") as tmp:
        fresh = Path(tmp)
        write(groups, fresh)
        expected = set(owned_files(fresh))
        present = set(owned_files(root))
        problems = [
            f"{p}: missing (run `python -m obs generate`)" for p in sorted(expected - present)
        ]
        problems += [
            f"{p}: not generated from the catalog (stale)" for p in sorted(present - expected)
        ]
        problems += [
            f"{p}: differs from what the catalog generates"
            for p in sorted(expected & present)
            if not filecmp.cmp(fresh / p, root / p, shallow=False)
        ]
    return problems
