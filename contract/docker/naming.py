"""Names and labels every docker resource of techno-ops carries, in one place."""

from __future__ import annotations

import os
import secrets
import socket

# Every container, network and volume a contract run creates carries this label
# (value: the run id), so teardown and stale-run cleanup find exactly ours.
RUN_LABEL = "techno-ops.run"
COMPONENT_LABEL = "techno-ops.component"
# "<hostname>:<pid>" of the harness that created the resource: a run whose owner
# process is gone is stale; a live concurrent run is left alone.
OWNER_LABEL = "techno-ops.owner"
# Locally built images carry the hash of what they were built from; a differing
# hash means the image is stale and gets rebuilt.
CONTENT_HASH_LABEL = "techno-ops.content-hash"

LOCAL_DEBIAN = "techno-ops/debian:bookworm"
LOCAL_PYTHON = "techno-ops/python:3.11-bookworm"
LOCAL_PROMETHEUS = "techno-ops/prometheus:local"
LOCAL_ALERTMANAGER = "techno-ops/alertmanager:local"
LOCAL_BACKEND = "techno-ops/backend:local"


def new_run_id() -> str:
    """Return a short random run id (lowercase hex, valid in docker names)."""
    return secrets.token_hex(4)


def resource_name(run_id: str, component: str) -> str:
    """Return the container/network name of component in run run_id."""
    return f"techno-{run_id}-{component}"


def owner() -> str:
    """Return this harness process as an owner label value."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_labels(run_id: str, component: str | None = None) -> dict[str, str]:
    """Return the labels a resource of run run_id (and optionally component) carries."""
    labels = {RUN_LABEL: run_id, OWNER_LABEL: owner()}
    if component is not None:
        labels[COMPONENT_LABEL] = component
    return labels
