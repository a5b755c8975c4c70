"""Steps of catalog.feature (drift between the live /metrics and the catalog)."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_bdd import then, when

from contract.assertions import http_get, require_empty
from contract.checks.drift import (
    Families,
    label_set_problems,
    metric_set_problems,
    parse_exposition,
)
from contract.context import RunContext
from contract.evidence import evidence_of
from contract.spec import BACKEND

ENDPOINT = "GET /metrics"


@dataclass(frozen=True)
class Exposition:
    """The parsed /metrics answer and its evidence file."""

    families: Families
    evidence: str


@when("the backend's /metrics is read", target_fixture="exposition")
def read_metrics(contract_run: RunContext) -> Exposition:
    """Read and parse the backend's live /metrics."""
    response = http_get(contract_run.session, BACKEND, contract_run.stack.url(BACKEND) + "/metrics")
    return Exposition(parse_exposition(response.text), evidence_of(response))


@then("it holds every catalog metric and no other")
def holds_catalog_metrics(contract_run: RunContext, exposition: Exposition) -> None:
    """The exposed metric names and types are exactly the catalog's."""
    problems = metric_set_problems(exposition.families, contract_run.catalog)
    require_empty(problems, BACKEND, ENDPOINT, exposition.evidence)


@then("every metric has exactly the catalog's labels and label values")
def holds_catalog_labels(contract_run: RunContext, exposition: Exposition) -> None:
    """Every metric carries exactly the catalog's label names and bounded combinations."""
    problems = label_set_problems(exposition.families, contract_run.catalog)
    require_empty(problems, BACKEND, ENDPOINT, exposition.evidence)
