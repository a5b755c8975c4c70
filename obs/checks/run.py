"""Run every static check of the generated artifacts and report one line per check."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from obs.catalog import Catalog, CatalogError, load_catalog
from obs.catalog.expressions import check_expression
from obs.catalog.fields import Where
from obs.checks import tools
from obs.checks.coverage import coverage_errors
from obs.checks.dashboard_lint import lint_errors
from obs.checks.dashboard_model import model_errors
from obs.checks.datasources import (
    DATASOURCE_PROVISIONING,
    datasource_errors,
    provisioned_datasources,
)
from obs.checks.links import LinkBases, link_problems, rule_file_alerts
from obs.checks.notifications import notification_problems
from obs.checks.queries import dashboard_queries, runbook_queries, synthetic_rule_file
from obs.generate.deploy import ALERTMANAGER_CONFIG, PROMETHEUS_CONFIG, PROMETHEUS_DRILL_CONFIG


@dataclass(frozen=True)
class CheckOutcome:
    """One check's name and its failures (each names the artifact and the cause)."""

    name: str
    failures: tuple[str, ...]


Check = Callable[[Path, Catalog], list[str]]


def _files(root: Path, pattern: str) -> list[str]:
    return [p.relative_to(root).as_posix() for p in sorted(root.glob(pattern))]


def _tool(binary: str, *args: str, root: Path, label: str) -> list[str]:
    result = tools.run(binary, *args, cwd=root)
    return [] if result.ok else [f"{label}: {' '.join(result.argv)} failed:\n{result.output}"]


def check_rules(root: Path, _: Catalog) -> list[str]:
    """Run `promtool check rules` over every rule file and its drill copy."""
    problems: list[str] = []
    for pattern in ("alerts/*.yml", "alerts/drill/*.yml"):
        files = _files(root, pattern)
        if not files:
            problems.append(f"{pattern}: no rule files (run `python -m obs generate`)")
            continue
        problems += _tool("promtool", "check", "rules", *files, root=root, label=pattern)
    return problems


def check_prometheus_config(root: Path, _: Catalog) -> list[str]:
    """Run `promtool check config` on the generated Prometheus config and its drill twin."""
    problems: list[str] = []
    for config in (PROMETHEUS_CONFIG, PROMETHEUS_DRILL_CONFIG):
        problems += _tool("promtool", "check", "config", config, root=root, label=config)
    return problems


def check_rule_tests(root: Path, _: Catalog) -> list[str]:
    """Run `promtool test rules` over every generated unit test."""
    files = _files(root, "alerts/tests/*.yml")
    if not files:
        return ["alerts/tests/: no promtool tests (run `python -m obs generate`)"]
    return _tool("promtool", "test", "rules", *files, root=root, label="alerts/tests/*.yml")


def check_alertmanager_config(root: Path, _: Catalog) -> list[str]:
    """Run `amtool check-config` on the generated Alertmanager config."""
    return _tool(
        "amtool", "check-config", ALERTMANAGER_CONFIG, root=root, label=ALERTMANAGER_CONFIG
    )


def check_queries(root: Path, catalog: Catalog) -> list[str]:
    """Parse every dashboard and runbook query with promtool and check its selectors."""
    queries = [*dashboard_queries(root), *runbook_queries(catalog)]
    failures = []
    for query in queries:
        try:
            check_expression(query.expr, catalog.schema, Where(Path(query.where), "-"), "expr")
        except CatalogError as exc:
            failures.append(f"{query.where}: {exc.problem}")
    with tempfile.TemporaryDirectory(prefix="obs-check-") as tmp:
        synthetic = Path(tmp) / "queries.yml"
        synthetic.write_text(synthetic_rule_file(queries), encoding="utf-8")
        result = tools.run("promtool", "check", "rules", str(synthetic), cwd=root)
    if not result.ok:
        failures.append(
            f"dashboard/runbook PromQL does not parse (group names the source):\n{result.output}"
        )
    return failures


def check_dashboards(root: Path, _: Catalog) -> list[str]:
    """Validate every dashboard against Grafana's model and the house rules."""
    failures = []
    for path in sorted((root / "dashboards").glob("*.json")):
        where = f"dashboards/{path.name}"
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            failures.append(f"{where}: not valid JSON: {exc}")
            continue
        failures += [f"{where}: {e}" for e in [*model_errors(document), *lint_errors(document)]]
    return failures


def check_datasources(root: Path, _: Catalog) -> list[str]:
    """Check that every dashboard datasource reference names a provisioned datasource."""
    paths = sorted((root / DATASOURCE_PROVISIONING).glob("*.yml"))
    if not paths:
        return [
            f"{DATASOURCE_PROVISIONING}/: no datasource provisioning (run `python -m obs generate`)"
        ]
    try:
        provisioned = provisioned_datasources(
            yaml.safe_load(path.read_text(encoding="utf-8")) or {} for path in paths
        )
    except yaml.YAMLError as exc:
        return [f"{DATASOURCE_PROVISIONING}/: not valid YAML: {exc}"]
    failures = []
    for path in sorted((root / "dashboards").glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue  # check_dashboards reports it
        failures += [
            f"dashboards/{path.name}: {e}" for e in datasource_errors(document, provisioned)
        ]
    return failures


def check_links(root: Path, catalog: Catalog) -> list[str]:
    """Check that every alert's runbook_url and dashboard_url open what they name."""
    try:
        documents = [
            yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for path in sorted((root / "alerts").glob("*.yml"))
        ]
        dashboards = {
            str(document.get("uid")): document
            for document in (
                json.loads(path.read_text(encoding="utf-8"))
                for path in sorted((root / "dashboards").glob("*.json"))
            )
        }
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        return [f"alerts/ or dashboards/: does not parse: {exc}"]
    bases = LinkBases(catalog.alerting.runbook_base_url, catalog.alerting.grafana_base_url)
    alerts = rule_file_alerts(documents)
    if not alerts:
        return ["alerts/: no alerting rule to link (run `python -m obs generate`)"]
    return link_problems(alerts, bases, dashboards, root / "runbooks")


def check_notifications(root: Path, _: Catalog) -> list[str]:
    """Render every receiver's notification templates with amtool over a real alert."""
    try:
        config = yaml.safe_load((root / ALERTMANAGER_CONFIG).read_text(encoding="utf-8")) or {}
        documents = [
            yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for path in sorted((root / "alerts").glob("*.yml"))
        ]
    except (OSError, yaml.YAMLError) as exc:
        return [f"{ALERTMANAGER_CONFIG} or alerts/: cannot be read: {exc}"]
    alerts = rule_file_alerts(documents)
    if not alerts:
        return ["alerts/: no alerting rule to render a notification for"]
    return notification_problems(config, alerts[0], ALERTMANAGER_CONFIG, root)


def check_coverage(root: Path, catalog: Catalog) -> list[str]:
    """Check that every alert has severity, annotations, a runbook and a promtool test."""
    return coverage_errors(root, catalog)


CHECKS: tuple[tuple[str, Check], ...] = (
    ("promtool check rules", check_rules),
    ("promtool check config", check_prometheus_config),
    ("promtool test rules", check_rule_tests),
    ("amtool check-config", check_alertmanager_config),
    ("notification templates render (amtool)", check_notifications),
    ("PromQL of dashboards and runbooks", check_queries),
    ("dashboards against Grafana's model", check_dashboards),
    ("dashboard datasources are provisioned", check_datasources),
    ("alert labels, annotations, runbooks and tests", check_coverage),
    ("alert runbook and dashboard links", check_links),
)


def run_checks(root: Path, catalog_path: Path) -> Iterator[CheckOutcome]:
    """Lint the catalog, then run every artifact check; missing tools raise ToolMissingError."""
    try:
        catalog = load_catalog(catalog_path)
        catalog.require_artifact_sections()
    except CatalogError as exc:
        yield CheckOutcome("catalog lint", (str(exc),))
        return
    yield CheckOutcome("catalog lint", ())
    for name, check in CHECKS:
        yield CheckOutcome(name, tuple(check(root, catalog)))
