"""Rewriting the committed configs for a run touches addresses and paths only."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from contract.errors import ConfigError
from contract.rewrite import (
    AddressMap,
    rewrite_alertmanager,
    rewrite_grafana_dashboards,
    rewrite_grafana_datasources,
    rewrite_grafana_ini,
    rewrite_prometheus,
)

ADDRESSES = AddressMap({8080: "127.0.0.1:41001", 9093: "127.0.0.1:41002", 9095: "127.0.0.1:41003"})
ROOT = PurePosixPath("/run/tree")


def prometheus_config() -> dict[str, object]:
    return {
        "global": {"scrape_interval": "5s"},
        "rule_files": ["../../alerts/*.yml"],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": ["127.0.0.1:9093"]}]}]},
        "scrape_configs": [
            {
                "job_name": "techno-backend",
                "static_configs": [{"targets": ["localhost:8080", "10.0.0.5:8080"]}],
            }
        ],
    }


def rewrite(config: dict[str, object]) -> dict[str, object]:
    result, _ = rewrite_prometheus(
        config,
        file="deploy/prometheus/prometheus.yml",
        config_dir="deploy/prometheus",
        artifact_root=ROOT,
        addresses=ADDRESSES,
    )
    return result


def test_prometheus_targets_move_to_the_run_addresses_and_others_stay() -> None:
    result = rewrite(prometheus_config())
    assert result["scrape_configs"][0]["static_configs"][0]["targets"] == [  # type: ignore[index]
        "127.0.0.1:41001",
        "10.0.0.5:8080",
    ]
    alertmanagers = result["alerting"]["alertmanagers"]  # type: ignore[index]
    assert alertmanagers[0]["static_configs"][0]["targets"] == ["127.0.0.1:41002"]


def test_prometheus_rule_files_resolve_inside_the_artifact_tree() -> None:
    result = rewrite(prometheus_config())
    assert result["rule_files"] == ["/run/tree/alerts/*.yml"]
    assert result["global"] == {"scrape_interval": "5s"}


def test_rewriting_leaves_the_committed_config_untouched() -> None:
    config = prometheus_config()
    rewrite(config)
    assert config["rule_files"] == ["../../alerts/*.yml"]


@pytest.mark.parametrize(
    ("entry", "problem"), [("../../../etc/*.yml", "outside"), ("/etc/rules.yml", "absolute")]
)
def test_rule_files_outside_the_tree_are_refused(entry: str, problem: str) -> None:
    config = prometheus_config()
    config["rule_files"] = [entry]
    with pytest.raises(ConfigError, match=problem) as raised:
        rewrite(config)
    assert "deploy/prometheus/prometheus.yml" in str(raised.value)


def test_alertmanager_webhook_urls_keep_their_path() -> None:
    config = {
        "receivers": [
            {"name": "page", "webhook_configs": [{"url": "http://127.0.0.1:9095/alerts"}]}
        ]
    }
    result, notes = rewrite_alertmanager(config, file="am.yml", addresses=ADDRESSES)
    assert result["receivers"][0]["webhook_configs"][0]["url"] == "http://127.0.0.1:41003/alerts"
    assert notes[0].before == "webhook http://127.0.0.1:9095/alerts"


def test_real_receivers_become_the_capture_webhook_and_the_evidence_keeps_their_kind() -> None:
    config = {
        "receivers": [
            {
                "name": "page",
                "pagerduty_configs": [
                    {"routing_key_file": "/etc/am/pd-key", "send_resolved": True}
                ],
            },
            {
                "name": "ticket",
                "slack_configs": [{"api_url_file": "/etc/am/slack", "channel": "#t"}],
            },
            {"name": "default", "email_configs": [{"to": "a@example.com"}]},
        ]
    }
    capture = "http://127.0.0.1:41003/alerts"
    result, notes = rewrite_alertmanager(
        config, file="am.yml", addresses=ADDRESSES, capture_url=capture
    )
    for receiver in result["receivers"]:
        assert set(receiver) == {"name", "webhook_configs"}
        assert receiver["webhook_configs"][0]["url"] == capture
    # send_resolved is kept as the real receiver had it.
    assert [r["webhook_configs"][0]["send_resolved"] for r in result["receivers"]] == [
        True,
        False,
        False,
    ]
    assert [(n.where, n.before, n.after) for n in notes] == [
        (
            "receivers[page].pagerduty_configs[0]",
            "pagerduty (routing_key_file=/etc/am/pd-key)",
            f"webhook {capture}",
        ),
        (
            "receivers[ticket].slack_configs[0]",
            "slack (api_url_file=/etc/am/slack)",
            f"webhook {capture}",
        ),
        ("receivers[default].email_configs[0]", "email (no credential file)", f"webhook {capture}"),
    ]


def test_a_real_receiver_without_a_capture_url_is_refused() -> None:
    config = {"receivers": [{"name": "page", "pagerduty_configs": [{"routing_key_file": "/k"}]}]}
    with pytest.raises(ConfigError, match=r"receivers\[page\]: a pagerduty_configs receiver"):
        rewrite_alertmanager(config, file="am.yml", addresses=ADDRESSES)


def test_grafana_datasource_and_dashboard_paths_point_at_the_run() -> None:
    sources, _ = rewrite_grafana_datasources(
        {"datasources": [{"name": "Prometheus", "url": "http://127.0.0.1:9093"}]},
        file="ds.yml",
        addresses=ADDRESSES,
    )
    assert sources["datasources"][0]["url"] == "http://127.0.0.1:41002"
    boards, _ = rewrite_grafana_dashboards(
        {"providers": [{"name": "techno", "options": {"path": "/var/lib/grafana/dashboards"}}]},
        file="db.yml",
        dashboards_dir=ROOT / "dashboards",
    )
    assert boards["providers"][0]["options"]["path"] == "/run/tree/dashboards"


def test_grafana_ini_keeps_security_settings_and_sets_the_port() -> None:
    ini = (
        "[auth.anonymous]\nenabled = false\n\n"
        "[security]\nadmin_password = $__env{GF_SECURITY_ADMIN_PASSWORD}\n"
    )
    text, _ = rewrite_grafana_ini(
        ini, file="grafana.ini", settings={("server", "http_port"): "43000"}
    )
    assert "enabled = false" in text
    assert "admin_password = $__env{GF_SECURITY_ADMIN_PASSWORD}" in text
    assert "http_port = 43000" in text


def test_a_broken_grafana_ini_is_named() -> None:
    with pytest.raises(ConfigError, match=r"grafana\.ini"):
        rewrite_grafana_ini("no section header\n", file="grafana.ini", settings={})
