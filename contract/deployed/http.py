"""One requests session for a deployed stack: per-endpoint TLS, credentials, timeout and budget."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from contract.deployed.config import DeployedStack, Endpoint
from contract.evidence import Evidence

# Only these reach a deployed stack unless a drill was explicitly allowed.
READ_METHODS = frozenset({"GET", "HEAD"})


class DeployedRequestError(requests.RequestException):
    """A call to a deployed endpoint failed; the message names the endpoint and what to check."""


class BudgetExhausted(DeployedRequestError):
    """The run used its whole request budget: it stops rather than keep calling a live system."""


class WriteRefused(DeployedRequestError):
    """A request that would change the deployed system, without --allow-drill."""


class DeployedSession(requests.Session):
    """Apply each endpoint's settings by URL, count every call, and explain every failure."""

    def __init__(self, stack: DeployedStack, evidence: Evidence) -> None:
        super().__init__()
        self.stack = stack
        self.used = 0
        self.allow_writes = False
        # Longest URL first: an endpoint under another's path wins.
        self._endpoints = sorted(stack.endpoints(), key=lambda e: len(e.url), reverse=True)
        # Proxies and netrc from the environment would send credentials we did not name.
        self.trust_env = False
        for secret in stack.secrets():
            evidence.redact.add(secret)
        self.hooks["response"].append(evidence.record_response)

    def endpoint_for(self, url: str) -> Endpoint:
        """Return the STACK.yaml endpoint a URL belongs to."""
        for endpoint in self._endpoints:
            if url == endpoint.url or url.startswith(endpoint.url + "/"):
                return endpoint
        raise DeployedRequestError(f"{url} is not under any endpoint of {self.stack.path}")

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Send one request with its endpoint's TLS, credentials and timeout, within budget."""
        verb = method.decode() if isinstance(method, bytes) else method
        target = url.decode() if isinstance(url, bytes) else url
        endpoint = self.endpoint_for(target)
        where = f"{endpoint.name} ({verb.upper()} {_shown(target)})"
        if verb.upper() not in READ_METHODS and not self.allow_writes:
            raise WriteRefused(f"{where}: refused, the deployed contract is read-only")
        if self.used >= self.stack.max_requests:
            raise BudgetExhausted(
                f"{where}: the request budget of {self.stack.max_requests} "
                f"(budget.max_requests in {self.stack.path}) is used up"
            )
        self.used += 1
        tls = endpoint.tls
        kwargs["verify"] = str(tls.ca_file) if tls.ca_file else True
        if tls.cert_file and tls.key_file:
            kwargs["cert"] = (str(tls.cert_file), str(tls.key_file))
        kwargs["timeout"] = endpoint.timeout_seconds
        credentials = endpoint.credentials
        if credentials.bearer_token:
            headers = dict(kwargs.get("headers") or {})
            headers["Authorization"] = f"Bearer {credentials.bearer_token}"
            kwargs["headers"] = headers
        elif credentials.username and credentials.password:
            kwargs["auth"] = (credentials.username, credentials.password)
        try:
            response = super().request(verb, target, *args, **kwargs)
        except requests.exceptions.SSLError as exc:
            hint = f"tls.ca_file {tls.ca_file}" if tls.ca_file else "no tls.ca_file given"
            raise DeployedRequestError(f"{where}: TLS failed ({hint}): {_reason(exc)}") from exc
        except requests.exceptions.Timeout as exc:
            raise DeployedRequestError(
                f"{where}: no answer within {endpoint.timeout_seconds:g}s (timeout_seconds)"
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            raise DeployedRequestError(f"{where}: cannot connect: {_reason(exc)}") from exc
        if response.status_code in (401, 403):
            raise DeployedRequestError(
                f"{where}: HTTP {response.status_code}, credentials refused "
                f"({_auth_kind(endpoint)} of {endpoint.name} in {self.stack.path})"
            )
        return response


def _shown(url: str) -> str:
    """Return the URL without its query (a PromQL query makes a line unreadable)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _reason(exc: Exception) -> str:
    """Return the innermost cause of a requests error, which names the real problem."""
    cause: BaseException = exc
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    return f"{type(cause).__name__}: {cause}"


def _auth_kind(endpoint: Endpoint) -> str:
    credentials = endpoint.credentials
    if credentials.bearer_token:
        return "auth.bearer_token_file"
    if credentials.username:
        return "auth.username/password_file"
    return "no auth given"
