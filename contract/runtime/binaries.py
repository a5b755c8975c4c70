"""Find the executables the process runtime starts, or say how to install them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from contract.errors import MissingBinaryError

INSTALL_HINTS = {
    "prometheus": "install it with `apt-get install prometheus`",
    "prometheus-alertmanager": "install it with `apt-get install prometheus-alertmanager`",
    "grafana-server": (
        "install Grafana (https://grafana.com/docs/grafana/latest/setup-grafana/installation/"
        "debian/) or point TECHNO_GRAFANA_BIN at its binary; to leave Grafana out of the run "
        "pass `--skip grafana` (it is then reported NOT VERIFIED)"
    ),
}


def find_binary(
    component: str,
    name: str,
    *,
    env_var: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """Return the executable for component, from env_var if set, else `name` on PATH."""
    environ = os.environ if environ is None else environ
    hint = INSTALL_HINTS.get(name, f"install `{name}`")
    override = environ.get(env_var, "") if env_var else ""
    if override:
        candidate = Path(override)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
        raise MissingBinaryError(component, f"{env_var}={override} is not an executable file")
    found = shutil.which(name, path=environ.get("PATH"))
    if found is None:
        via = f" (or {env_var})" if env_var else ""
        raise MissingBinaryError(component, f"binary `{name}` not found on PATH{via}; {hint}")
    return Path(found)
