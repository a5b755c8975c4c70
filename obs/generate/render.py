"""The Jinja environment every text artifact is rendered with."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def yaml_str(value: object, indent: int = 0) -> str:
    """Quote a scalar for YAML; multi-line text becomes a literal block at `indent`."""
    text = str(value)
    if "\n" in text:
        pad = " " * indent
        return "|-\n" + "\n".join(pad + line if line else "" for line in text.splitlines())
    if '"' in text and text.isprintable():
        # Single quotes keep PromQL readable: only the quote itself needs doubling.
        return "'" + text.replace("'", "''") + "'"
    # A JSON string is a valid YAML double-quoted scalar, escapes and all.
    return json.dumps(text, ensure_ascii=False)


@cache
def environment() -> jinja2.Environment:
    """Build the strict, whitespace-stable environment over obs/templates/."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - YAML, Markdown and INI, never HTML
    )
    env.filters["yaml_str"] = yaml_str
    return env


def render(template: str, **context: Any) -> str:
    """Render one template; the result always ends with exactly one newline."""
    return environment().get_template(template).render(**context).rstrip("\n") + "\n"
