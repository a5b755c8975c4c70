"""Runbooks: which page an alert links, and the PromQL blocks a page holds."""

from __future__ import annotations

import re
import textwrap
from pathlib import PurePosixPath
from urllib.parse import urlsplit

# Fences may be indented (inside a list item); the closing fence matches the opening indent.
_PROMQL_FENCE_RE = re.compile(
    r"^(?P<indent>[ \t]*)```promql[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def promql_blocks(markdown: str) -> list[str]:
    """Return the body of every ```promql fenced block, dedented and stripped."""
    blocks = []
    for match in _PROMQL_FENCE_RE.finditer(markdown):
        body = textwrap.dedent(match.group("body")).strip()
        if body:
            blocks.append(body)
    return blocks


def runbook_file_name(runbook_url: str) -> str:
    """Return the Markdown file name a runbook_url points at (anchor and query dropped)."""
    path = urlsplit(runbook_url).path
    name = PurePosixPath(path).name
    if not name.endswith(".md"):
        raise ValueError(f"runbook_url {runbook_url!r} does not name a .md page")
    return name
