"""Every receiver's notification text renders with amtool and carries the alert's links."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from obs.checks import tools
from obs.checks.links import LinkedAlert

# The fields of each receiver kind Alertmanager expands per notification, by dotted path.
TEMPLATED = {
    "slack_configs": ("title", "text"),
    "pagerduty_configs": ("description", "details.firing"),
    "email_configs": ("headers.Subject", "text"),
}
# What the page body must show, so the receiving end can act on it.
_BODY_ANNOTATIONS = ("summary", "runbook_url", "dashboard_url")


def sample_data(alert: LinkedAlert, receiver: str) -> dict[str, Any]:
    """Return Alertmanager's template data for one firing alert, as a receiver gets it."""
    labels = {"alertname": alert.name, "severity": "page"}
    return {
        "receiver": receiver,
        "status": "firing",
        "alerts": [{"status": "firing", "labels": labels, "annotations": dict(alert.annotations)}],
        "groupLabels": {"alertname": alert.name},
        "commonLabels": labels,
        "commonAnnotations": dict(alert.annotations),
        "externalURL": "http://127.0.0.1:9093",
    }


def _templated_fields(config: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Yield (receiver, field path, template) of every templated field of the config."""
    for receiver in config.get("receivers") or []:
        for kind, paths in TEMPLATED.items():
            for index, settings in enumerate(receiver.get(kind) or []):
                for path in paths:
                    value: Any = settings
                    for key in path.split("."):
                        value = value.get(key) if isinstance(value, dict) else None
                    where = f"receivers[{receiver.get('name')}].{kind}[{index}].{path}"
                    yield str(receiver.get("name")), where, "" if value is None else str(value)


def render(template: str, data: Mapping[str, Any], cwd: Path) -> tools.ToolResult:
    """Render one Go template with `amtool template render` over the given data."""
    with tempfile.TemporaryDirectory(prefix="obs-notify-") as tmp:
        path = Path(tmp) / "data.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return tools.run(
            "amtool",
            "template",
            "render",
            f"--template.glob={tmp}/*.tmpl",
            f"--template.data={path}",
            f"--template.text={template}",
            cwd=cwd,
        )


def notification_problems(
    config: Mapping[str, Any], alert: LinkedAlert, file: str, cwd: Path
) -> list[str]:
    """Render every templated receiver field for alert; name each that fails or lacks a link."""
    problems: list[str] = []
    bodies: dict[str, str] = {}
    for receiver, where, template in _templated_fields(config):
        if not template:
            problems.append(f"{file}: {where}: no notification template")
            continue
        result = render(template, sample_data(alert, receiver), cwd)
        if not result.ok:
            problems.append(f"{file}: {where}: amtool template render failed: {result.output}")
            continue
        if not where.endswith(("title", "description", "Subject")):
            bodies[where] = result.output
        elif alert.name not in result.output:
            problems.append(
                f"{file}: {where}: the title does not name the alert: {result.output!r}"
            )
    for where, body in bodies.items():
        for key in _BODY_ANNOTATIONS:
            value = alert.annotations.get(key, "")
            if value and value not in body:
                problems.append(f"{file}: {where}: the rendered text does not show {key} {value}")
    return problems
