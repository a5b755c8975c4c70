"""Every alert in the rule files has its labels, annotations, runbook and unit test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from obs.catalog import Catalog

REQUIRED_ANNOTATIONS = ("summary", "description", "runbook_url", "dashboard_url")


def coverage_errors(root: Path, catalog: Catalog) -> list[str]:
    """Return every alert that lacks severity, an annotation, its runbook or its test."""
    errors: list[str] = []
    for path in sorted((root / "alerts").glob("*.yml")):
        document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for group in document.get("groups", []):
            for rule in group.get("rules", []):
                if "alert" in rule:
                    errors += _alert_errors(rule, f"alerts/{path.name}", root, catalog)
    return errors


def _alert_errors(rule: dict[str, Any], where: str, root: Path, catalog: Catalog) -> list[str]:
    name = rule["alert"]
    errors = []
    if not rule.get("labels", {}).get("severity"):
        errors.append(f"{where}: {name}: no severity label")
    annotations = rule.get("annotations", {})
    errors += [
        f"{where}: {name}: no {key} annotation"
        for key in REQUIRED_ANNOTATIONS
        if not annotations.get(key)
    ]
    if annotations.get("runbook_url") != catalog.alerting.runbook_url(name):
        errors.append(f"{where}: {name}: runbook_url is not {catalog.alerting.runbook_url(name)}")
    if not (root / "runbooks" / f"{name}.md").is_file():
        errors.append(f"{where}: {name}: runbooks/{name}.md is missing")
    if not (root / "alerts" / "tests" / f"{name}.yml").is_file():
        errors.append(f"{where}: {name}: alerts/tests/{name}.yml (promtool test) is missing")
    return errors
