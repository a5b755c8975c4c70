"""The stack spec renders each component's configs from the artifact tree."""

from __future__ import annotations

from pathlib import Path

import yaml

from contract.artifacts import ArtifactTree
from contract.rewrite import AddressMap
from contract.spec import build_stack_spec

ROOT = Path(__file__).resolve().parents[2]


def test_datasource_provisioning_renders_without_grafana_in_the_run() -> None:
    spec = build_stack_spec(ArtifactTree(ROOT), include_grafana=False)
    rendered = spec.grafana_datasources(AddressMap({9090: "127.0.0.1:41234"}))
    (name,) = rendered.files
    assert name == "provisioning/datasources/prometheus.yml"
    (source,) = yaml.safe_load(rendered.files[name])["datasources"]
    assert source["uid"] == "techno-prometheus"
    assert source["url"] == "http://127.0.0.1:41234"
    assert [r.after for r in rendered.rewrites] == ["http://127.0.0.1:41234"]
