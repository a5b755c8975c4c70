"""Collect every PromQL expression of the dashboards and runbooks for a real parser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs.catalog import Catalog
from obs.catalog.expressions import grafana_to_promql
from obs.generate.render import yaml_str

_DATASOURCE = re.compile(r"\$\{?datasource\}?")


@dataclass(frozen=True)
class Query:
    """One expression and the artifact location it comes from."""

    where: str
    expr: str


def dashboard_queries(root: Path) -> Iterator[Query]:
    """Yield every target expression of the committed dashboards, Grafana variables resolved."""
    for path in sorted((root / "dashboards").glob("*.json")):
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        for panel in document.get("panels", []):
            for target in panel.get("targets", []):
                expr = _DATASOURCE.sub("prometheus", grafana_to_promql(str(target.get("expr", ""))))
                where = f"dashboards/{path.name} panel {panel.get('title')!r} {target.get('refId')}"
                yield Query(where, expr)


def runbook_queries(catalog: Catalog) -> Iterator[Query]:
    """Yield every diagnosis query the runbooks tell on-call to run."""
    for alert in catalog.all_alerts:
        for index, step in enumerate(alert.runbook.diagnosis, start=1):
            yield Query(f"runbooks/{alert.name}.md step {index}", step.query)


def synthetic_rule_file(queries: list[Query]) -> str:
    """Render the queries as recording rules, one group each so promtool names the source."""
    lines = ["groups:"]
    for index, query in enumerate(queries):
        lines += [
            f"  - name: {yaml_str(query.where)}",
            "    rules:",
            f"      - record: obs_check:query_{index}",
            f"        expr: {yaml_str(query.expr, 10)}",
        ]
    return "\n".join(lines) + "\n"
