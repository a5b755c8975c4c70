"""The webhook receiver records what Alertmanager posts."""

from __future__ import annotations

from pathlib import Path

import requests

from contract.ports import free_port
from contract.progress import Progress
from contract.runtime.base import Launch
from contract.spec import WEBHOOK, ComponentSpec, Endpoint, Rendered
from contract.webhook import WebhookReceiver


def test_notifications_are_recorded_and_bad_bodies_refused(tmp_path: Path) -> None:
    endpoint = Endpoint("127.0.0.1", free_port())
    launch = Launch(ComponentSpec(WEBHOOK, 9095, "/-/ready"), Rendered({}), {}, ready_timeout=5)
    progress = Progress((tmp_path / "progress.txt").open("w", encoding="utf-8"))
    payload = {
        "status": "firing",
        "alerts": [{"status": "firing", "labels": {"alertname": "BackendDown"}}],
    }
    with WebhookReceiver(launch, progress, endpoint, endpoint) as receiver:
        assert requests.post(endpoint.url("/alerts"), json=payload, timeout=5).status_code == 200
        assert requests.post(endpoint.url("/alerts"), data="{nope", timeout=5).status_code == 400
        [note] = receiver.notifications()
    assert note.path == "/alerts"
    assert note.alerts()[0]["labels"]["alertname"] == "BackendDown"
    assert "alerts=['BackendDown']" in receiver.logs()
    assert receiver.exit_status() is not None
