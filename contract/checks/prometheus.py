"""Read Prometheus's HTTP API, failing with the endpoint and evidence on any error."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import requests

from contract.assertions import http_get, json_body, violation
from contract.evidence import evidence_of
from contract.spec import PROMETHEUS


@dataclass(frozen=True)
class QueryResult:
    """An instant query's answer: its error (if any), its samples and the evidence file."""

    expr: str
    error: str | None
    result: list[dict[str, Any]]
    evidence: str

    def has_data(self) -> bool:
        """Return whether at least one sample holds a number (not NaN)."""
        for sample in self.result:
            value = sample.get("value", [None, "NaN"])[1]
            try:
                if not math.isnan(float(value)):
                    return True
            except (TypeError, ValueError):
                continue
        return False


class PrometheusApi:
    """The endpoints of the Prometheus HTTP API the features read."""

    def __init__(self, base_url: str, session: requests.Session) -> None:
        self.base_url = base_url
        self.session = session

    def get(self, path: str) -> tuple[Any, str]:
        """GET an API path that must succeed; return its `data` and the evidence file."""
        __tracebackhide__ = True
        response = http_get(self.session, PROMETHEUS, self.base_url + path)
        body = json_body(response, PROMETHEUS)
        if body.get("status") != "success":
            violation(
                PROMETHEUS,
                path,
                f"status {body.get('status')}: {body.get('error')}",
                evidence_of(response),
            )
        return body.get("data"), evidence_of(response)

    def query(self, expr: str) -> QueryResult:
        """Run an instant query; a PromQL error is returned, not raised."""
        __tracebackhide__ = True
        url = self.base_url + "/api/v1/query"
        try:
            response = self.session.get(url, params={"query": expr}, timeout=10)
        except requests.RequestException as exc:
            violation(PROMETHEUS, "GET /api/v1/query", f"no answer: {exc}")
        try:
            body = response.json()
        except ValueError:
            violation(
                PROMETHEUS,
                "GET /api/v1/query",
                f"HTTP {response.status_code}, not JSON",
                evidence_of(response),
            )
        if body.get("status") != "success":
            return QueryResult(
                expr, f"{body.get('errorType')}: {body.get('error')}", [], evidence_of(response)
            )
        data = body.get("data") or {}
        result = data.get("result")
        if data.get("resultType") == "scalar":
            result = [{"metric": {}, "value": result}]
        return QueryResult(expr, None, list(result or []), evidence_of(response))
