"""Runbooks: which page an alert links, and the PromQL blocks a page holds."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

# Fences may be indented (inside a list item); the closing fence matches the opening indent.
_PROMQL_FENCE_RE = re.compile(
    r"^(?P<indent>[ \t]*)```promql[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_HEADING_RE = re.compile(r"^#+[ \t]+(?P<title>.+?)[ \t]*$", re.MULTILINE)
_NUMBERED_RE = re.compile(r"^[ \t]*(?P<number>\d+)\.[ \t]", re.MULTILINE)


@dataclass(frozen=True)
class RunbookQuery:
    """One ```promql block and the step it belongs to, e.g. 'Diagnosis step 2'."""

    step: str
    expr: str


def runbook_queries(markdown: str) -> list[RunbookQuery]:
    """Return every non-empty ```promql block with the heading and numbered step above it."""
    queries = []
    for match in _PROMQL_FENCE_RE.finditer(markdown):
        body = textwrap.dedent(match.group("body")).strip()
        if not body:
            continue
        before = markdown[: match.start()]
        headings = list(_HEADING_RE.finditer(before))
        heading = headings[-1] if headings else None
        section = before[heading.end() :] if heading else before
        numbers = _NUMBERED_RE.findall(section)
        title = heading.group("title") if heading else "top"
        step = f"{title} step {numbers[-1]}" if numbers else title
        queries.append(RunbookQuery(step, body))
    return queries


def promql_blocks(markdown: str) -> list[str]:
    """Return the body of every ```promql fenced block, dedented and stripped."""
    return [query.expr for query in runbook_queries(markdown)]


def runbook_file_name(runbook_url: str) -> str:
    """Return the Markdown file name a runbook_url points at (anchor and query dropped)."""
    path = urlsplit(runbook_url).path
    name = PurePosixPath(path).name
    if not name.endswith(".md"):
        raise ValueError(f"runbook_url {runbook_url!r} does not name a .md page")
    return name


def linked_runbooks(
    loaded_groups: list[dict[str, Any]], runbooks_dir: Path
) -> tuple[dict[str, str], list[str]]:
    """Return alert → runbook file for every loaded alert, and every link that names no runbook."""
    linked: dict[str, str] = {}
    problems: list[str] = []
    for group in loaded_groups:
        for rule in group.get("rules") or []:
            alert = str(rule.get("name"))
            url = (rule.get("annotations") or {}).get("runbook_url")
            if not url:
                problems.append(f"alert {alert!r} has no runbook_url annotation")
                continue
            try:
                name = runbook_file_name(str(url))
            except ValueError as exc:
                problems.append(f"alert {alert!r}: {exc}")
                continue
            linked[alert] = name
            if not (runbooks_dir / name).is_file():
                problems.append(
                    f"alert {alert!r}: runbook_url {url} names {name}, "
                    f"which is not in {runbooks_dir}"
                )
    if not linked and not problems:
        problems.append("Prometheus has loaded no alerting rule at all")
    return linked, problems
