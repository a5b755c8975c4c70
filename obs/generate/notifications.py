"""Alertmanager receiver configs and the notification text every page and ticket reads."""

from __future__ import annotations

from typing import Any

import yaml

from obs.catalog.receivers import ReceiverSpec

# Go templates Alertmanager expands per notification; inline in each receiver, so the config
# needs no template file and `amtool template render` can test exactly what is deployed.
TITLE = (
    '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}]'
    " {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})"
)
TEXT = (
    "{{ range .Alerts }}{{ .Annotations.summary }}\n"
    "{{ .Annotations.description }}\n"
    "Runbook: {{ .Annotations.runbook_url }}\n"
    "Dashboard: {{ .Annotations.dashboard_url }}\n"
    "{{ end }}"
)


def receiver_config(receiver: ReceiverSpec) -> dict[str, Any]:
    """Return one receiver's Alertmanager config, every credential read from its file."""
    files = dict(receiver.credential_files)
    config: dict[str, Any]
    if receiver.kind == "slack":
        config = {
            "api_url_file": files["api_url_file"],
            "channel": receiver.setting("channel"),
            "title": TITLE,
            "text": TEXT,
        }
    elif receiver.kind == "pagerduty":
        config = {
            "routing_key_file": files["routing_key_file"],
            "description": TITLE,
            "details": {"firing": TEXT},
        }
    elif receiver.kind == "email":
        config = {
            **dict(receiver.settings),
            "auth_password_file": files["auth_password_file"],
            "headers": {"Subject": TITLE},
            "text": TEXT,
        }
    else:
        config = {"url": receiver.setting("url")}
        if "credentials_file" in files:
            config["http_config"] = {
                "authorization": {"credentials_file": files["credentials_file"]}
            }
    # A page's resolution must reach whoever it woke.
    config["send_resolved"] = True
    return {"name": receiver.name, f"{receiver.kind}_configs": [config]}


class _Dumper(yaml.SafeDumper):
    """Write multi-line text (the notification templates) as literal blocks."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def receivers_yaml(receivers: tuple[ReceiverSpec, ...]) -> str:
    """Render the `receivers:` list for alertmanager.yml: name first, then sorted keys."""
    configs = []
    for receiver in receivers:
        config = receiver_config(receiver)
        name = config.pop("name")
        kind, settings = next(iter(config.items()))
        configs.append({"name": name, kind: [dict(sorted(s.items())) for s in settings]})
    text = yaml.dump(
        configs,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1000,
    )
    return "\n".join("  " + line if line else line for line in text.splitlines())
