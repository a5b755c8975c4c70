"""Build catalog SLO entries from a spec and merge them into a catalog file, never silently."""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from obs.catalog.errors import CatalogError
from obs.catalog.loader import load_catalog
from obs.catalog.numbers import promql_number
from obs.specs.errors import DocRef

# Catalog fields no spec format has a place for travel in these annotations (OpenSLO) so that
# an exported SLO imports back unchanged.
DRILL_ANNOTATION = "obs.techno-ops/drill"
RUNBOOK_ANNOTATION = "obs.techno-ops/runbook"
# The fire drill that makes a new SLO's burn-rate alerts fire, until its author says otherwise.
DEFAULT_DRILL = {"availability": "upstream_failing", "latency": "upstream_slow"}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEY_RE = re.compile(r"^[A-Za-z_]")


def catalog_name(raw: Any, ref: DocRef, field: str) -> str:
    """Turn a spec's SLO name (`api-availability`) into a catalog name (`api_availability`)."""
    name = str(raw).replace("-", "_").replace(".", "_")
    if not _NAME_RE.match(name):
        raise ref.error(field, f"{raw!r} does not become a lower_snake_case catalog name")
    return name


def spec_name(name: str) -> str:
    """Turn a catalog name into a spec name: OpenSLO names allow no underscore."""
    return name.replace("_", "-")


def build_entry(
    name: str,
    metric: dict[str, Any],
    *,
    description: str,
    objective: float,
    period: str,
    drill: str | None = None,
    runbook: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return one catalog `slos` entry in the catalog's own field order."""
    kind = metric["kind"]
    entry: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "drill": drill or DEFAULT_DRILL[kind],
        "description": description,
        "objective": objective,
        "period": period,
    }
    entry.update({k: v for k, v in metric.items() if k != "kind"})
    entry["runbook"] = runbook or default_runbook(name, description, objective)
    return entry


def default_runbook(name: str, description: str, objective: float) -> dict[str, Any]:
    """Runbook text for an imported SLO whose spec carries none: a start to edit, not a guess."""
    budget = f"(1 - {promql_number(objective)})"
    counts = description.rstrip(".")
    return {
        "meaning": f"The {name} SLO ({counts}) burns its error budget faster than allowed.",
        "impact": f"Imported by `obs import`: describe who notices when {name} fails.",
        "diagnosis": [
            {
                "query": f'techno:slo_errors:ratio_rate1h{{slo="{name}"}} / {budget}',
                "explain": "Current 1h burn rate; above 1 the budget runs out early.",
                "dashboard": "techno-slo",
                "panel": "Burn rate (1h)",
            }
        ],
        "mitigation": [f"Imported by `obs import`: write the first step to take for {name}."],
        "escalation": f"Imported by `obs import`: name who to page when {name} keeps burning.",
    }


def merged_text(catalog_path: Path, entries: list[dict[str, Any]]) -> tuple[str, str]:
    """Return the catalog's text and that text with `entries` appended to `slos`, validated."""
    old = catalog_path.read_text(encoding="utf-8")
    present = {s.get("name") for s in (yaml.safe_load(old) or {}).get("slos") or []}
    for entry in entries:
        if entry["name"] in present:
            raise CatalogError(
                catalog_path, f"slos[{entry['name']}]", "name", "already in the catalog"
            )
    # One entry per block with a blank line between, as the catalog's own entries are laid out.
    block = "\n".join(
        _indent(yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=96))
        for entry in entries
    )
    lines = old.splitlines(True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "slos:"), None)
    if start is None:
        new = old + ("" if old.endswith("\n") else "\n") + "\nslos:\n" + block
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if _TOP_KEY_RE.match(lines[i])), len(lines)
        )
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        new = "".join([*lines[:end], "\n", block, *lines[end:]])
    _check_loads(catalog_path, new)
    return old, new


def _indent(text: str) -> str:
    return "".join(f"  {line}" if line.strip() else line for line in text.splitlines(True))


def _check_loads(catalog_path: Path, text: str) -> None:
    """Load the merged catalog from a scratch copy; its errors name the real file."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / catalog_path.name
        copy.write_text(text, encoding="utf-8")
        try:
            load_catalog(copy)
        except CatalogError as exc:
            raise CatalogError(catalog_path, exc.entry, exc.field, exc.problem) from exc


def unified_diff(path: Path, old: str, new: str, label: str = "imported") -> str:
    """Return the change as a unified diff of `path`."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(True), new.splitlines(True), str(path), f"{path} ({label})"
        )
    )


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one step, so a failure leaves the old file whole."""
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
