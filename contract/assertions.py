"""Assertion helpers for steps: failures name the component, the endpoint and the evidence."""

from __future__ import annotations

from typing import Any, NoReturn

import requests

from contract.errors import ContractViolation
from contract.evidence import evidence_of

HTTP_TIMEOUT_SECONDS = 10.0


def violation(component: str, endpoint: str, problem: str, evidence: str = "") -> NoReturn:
    """Fail the step with a message naming component, endpoint, problem and evidence file."""
    __tracebackhide__ = True
    raise ContractViolation(component, endpoint, problem, evidence)


def require_empty(problems: list[str], component: str, endpoint: str, evidence: str = "") -> None:
    """Fail listing every problem, if there is any."""
    __tracebackhide__ = True
    if problems:
        listing = "\n  - ".join(problems)
        violation(component, endpoint, f"{len(problems)} problem(s):\n  - {listing}", evidence)


def http_get(
    session: requests.Session,
    component: str,
    url: str,
    *,
    expect: int = 200,
    **kwargs: Any,
) -> requests.Response:
    """GET url and fail unless it answers with the expected status."""
    __tracebackhide__ = True
    try:
        response = session.get(url, timeout=HTTP_TIMEOUT_SECONDS, **kwargs)
    except requests.RequestException as exc:
        violation(component, f"GET {url}", f"no answer: {type(exc).__name__}: {exc}")
    if response.status_code != expect:
        violation(
            component,
            f"GET {url}",
            f"answered HTTP {response.status_code}, expected {expect}",
            evidence_of(response),
        )
    return response


def json_body(response: requests.Response, component: str) -> Any:
    """Return the JSON body of a response, failing if it is not JSON."""
    __tracebackhide__ = True
    try:
        return response.json()
    except ValueError:
        violation(
            component, response.request.path_url or "", "answer is not JSON", evidence_of(response)
        )
