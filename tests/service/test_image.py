"""The root Dockerfile: production, a data volume, a TLS-aware health check, locked deps."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
LOCK = (ROOT / "requirements.lock").read_text()


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_image_runs_production_with_a_data_volume_and_a_tls_aware_health_check() -> None:
    assert "TECHNO_MODE=production" in DOCKERFILE
    assert 'VOLUME ["/var/lib/techno"]' in DOCKERFILE
    assert "TECHNO_DATA_DIR=/var/lib/techno" in DOCKERFILE
    assert 'CMD ["python", "-m", "service", "healthcheck"]' in DOCKERFILE


def test_python_dependencies_come_from_the_lock_file_with_hashes() -> None:
    assert "pip install --require-hashes --no-deps -r requirements.lock" in DOCKERFILE
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        _name(r) for r in [*project["dependencies"], *project["optional-dependencies"]["uvloop"]]
    }
    pinned = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", LOCK, flags=re.MULTILINE))
    assert wanted <= {name.lower() for name in pinned}, wanted - set(pinned)
    # Every pinned requirement carries at least one hash (pip --require-hashes needs all).
    blocks = re.split(r"^(?=\S)", LOCK, flags=re.MULTILINE)
    for block in blocks:
        if "==" in block:
            assert "--hash=sha256:" in block, block.splitlines()[0]
