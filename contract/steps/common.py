"""Steps shared by several features."""

from __future__ import annotations

import pytest
from pytest_bdd import given

from contract.assertions import require_empty
from contract.context import RunContext
from contract.plugin import RUN_KEY
from contract.spec import ALERTMANAGER, BACKEND, GRAFANA, PROMETHEUS

_COMPONENTS = {
    "the backend": BACKEND,
    "prometheus": PROMETHEUS,
    "alertmanager": ALERTMANAGER,
    "grafana": GRAFANA,
}


def component_named(words: str) -> str:
    """Map how a feature names a component ('the backend', 'Prometheus') to its stack name."""
    try:
        return _COMPONENTS[words.strip().lower()]
    except KeyError:
        raise ValueError(
            f"no component called {words!r}; known: {', '.join(_COMPONENTS)}"
        ) from None


@pytest.fixture(scope="session")
def contract_run(request: pytest.FixtureRequest) -> RunContext:
    """Return the live run the harness started."""
    return request.config.stash[RUN_KEY]


@given("the backend has served traffic")
def backend_served_traffic(contract_run: RunContext) -> None:
    """Send the run's traffic once; every request must get the answer the contract expects."""
    report = contract_run.ensure_traffic()
    require_empty(report.unexpected, BACKEND, "POST /process", "traffic.json")
