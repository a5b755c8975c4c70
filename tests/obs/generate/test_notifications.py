"""Receivers are the catalog's real kinds, credentials from files, and their pages read well."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from obs.catalog import CatalogError, load_catalog
from obs.checks.links import LinkedAlert, rule_file_alerts
from obs.checks.notifications import notification_problems, render, sample_data
from obs.generate.notifications import TEXT, TITLE


def _config(root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (root / "deploy/alertmanager/alertmanager.yml").read_text(encoding="utf-8")
    )
    return loaded


def _alert(root: Path, name: str) -> LinkedAlert:
    documents = [yaml.safe_load(p.read_text()) for p in sorted((root / "alerts").glob("*.yml"))]
    return next(a for a in rule_file_alerts(documents) if a.name == name)


def test_each_route_names_its_real_receiver_kind_with_credentials_from_files(
    generated_tree: Path,
) -> None:
    receivers = {r["name"]: r for r in _config(generated_tree)["receivers"]}
    assert receivers["page"]["pagerduty_configs"][0]["routing_key_file"].startswith("/")
    assert receivers["ticket"]["slack_configs"][0]["api_url_file"].startswith("/")
    assert receivers["default"]["email_configs"][0]["auth_password_file"].startswith("/")
    assert "webhook_configs" in receivers["watchdog"]
    text = (generated_tree / "deploy/alertmanager/alertmanager.yml").read_text()
    for inline in ("api_url:", "routing_key:", "service_key:", "auth_password:"):
        assert inline not in text


def test_a_page_renders_title_summary_runbook_and_dashboard(generated_tree: Path) -> None:
    alert = _alert(generated_tree, "HighErrorRate")
    data = sample_data(alert, "page")
    title = render(TITLE, data, generated_tree)
    assert title.ok and title.output == "[FIRING:1] HighErrorRate (page)"
    body = render(TEXT, data, generated_tree)
    assert body.ok
    assert body.output.splitlines() == [
        alert.annotations["summary"],
        alert.annotations["description"],
        f"Runbook: {alert.annotations['runbook_url']}",
        f"Dashboard: {alert.annotations['dashboard_url']}",
    ]
    assert (
        notification_problems(_config(generated_tree), alert, "alertmanager.yml", generated_tree)
        == []
    )


def test_a_receiver_text_without_the_links_is_named(generated_tree: Path) -> None:
    config = _config(generated_tree)
    slack = next(r for r in config["receivers"] if r["name"] == "ticket")["slack_configs"][0]
    slack["text"] = "{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}"
    email = next(r for r in config["receivers"] if r["name"] == "default")["email_configs"][0]
    email["headers"]["Subject"] = "{{ .CommonLabels.alertname"
    alert = _alert(generated_tree, "HighErrorRate")
    problems = notification_problems(config, alert, "am.yml", generated_tree)
    assert any(
        p.startswith(
            "am.yml: receivers[ticket].slack_configs[0].text: the rendered text does "
            "not show runbook_url"
        )
        for p in problems
    )
    assert any(
        "receivers[ticket].slack_configs[0].text" in p and "dashboard_url" in p for p in problems
    )
    assert any(
        "receivers[default].email_configs[0].headers.Subject: amtool template render failed" in p
        for p in problems
    )


@pytest.mark.parametrize(
    ("receiver", "field", "problem"),
    [
        ({"kind": "slack", "channel": "#x", "api_url": "https://hooks"}, "api_url", "never inline"),
        ({"kind": "pagerduty", "service_key": "k"}, "service_key", "never inline"),
        ({"kind": "pagerduty", "routing_key_file": "secrets/k"}, "routing_key_file", "absolute"),
        ({"kind": "opsgenie"}, "kind", "must be one of"),
    ],
)
def test_a_bad_receiver_names_its_field(
    edit_catalog: Any, receiver: dict[str, Any], field: str, problem: str
) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["alerting"]["receivers"]["page"] = receiver

    with pytest.raises(CatalogError) as caught:
        load_catalog(edit_catalog(change))
    assert (caught.value.entry, caught.value.field) == ("alerting.receivers.page", field)
    assert problem in caught.value.problem


def test_a_route_without_a_receiver_is_refused(edit_catalog: Any) -> None:
    def change(raw: dict[str, Any]) -> None:
        del raw["alerting"]["receivers"]["ticket"]

    with pytest.raises(CatalogError) as caught:
        load_catalog(edit_catalog(change))
    assert caught.value.field == "receivers.ticket"
    assert "every route names a receiver" in caught.value.problem
