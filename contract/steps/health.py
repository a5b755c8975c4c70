"""Steps of health.feature."""

from __future__ import annotations

from pytest_bdd import parsers, then

from contract.assertions import http_get
from contract.context import RunContext
from contract.steps.common import component_named


@then(parsers.parse("{who} answers GET {path} with {status:d}"))
def component_answers(contract_run: RunContext, who: str, path: str, status: int) -> None:
    """GET path on the component and require the status."""
    name = component_named(who)
    http_get(contract_run.session, name, contract_run.stack.url(name) + path, expect=status)
