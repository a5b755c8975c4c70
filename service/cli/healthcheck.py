"""`healthcheck`: GET /health on this host's own listener, over TLS when it serves TLS."""

from __future__ import annotations

import ssl
import sys
import urllib.error
import urllib.request

from service.settings import Settings

_ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}  # noqa: S104 - what we listen on


def health_url(settings: Settings) -> str:
    """Return the /health URL of the server these settings start, as seen from its host."""
    scheme = "https" if settings.tls_enabled else "http"
    host = _ANY_ADDRESS.get(settings.host, settings.host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{scheme}://{host}:{settings.port}/health"


def run_healthcheck(settings: Settings, *, timeout_seconds: float = 2.0) -> int:
    """Exit 0 when /health answers 200, else 1 with one line on stderr."""
    context = None
    if settings.tls_enabled:
        # Liveness of our own listener, not its identity: the certificate names the
        # public host, which the probe does not dial.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    url = health_url(settings)
    try:
        with urllib.request.urlopen(url, timeout=timeout_seconds, context=context) as answer:  # noqa: S310 - our own URL
            status = int(answer.status)
    except (OSError, ValueError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: {url}: HTTP {status}", file=sys.stderr)
        return 1
    return 0
