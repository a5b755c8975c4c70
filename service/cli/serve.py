"""`serve`: run the HTTP server with the configured TLS and access log settings."""

from __future__ import annotations

import asyncio
import importlib
import logging
import ssl
import sys

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from service.http.app import create_app
from service.http.wire import harden_aiohttp
from service.redact import redact_url
from service.settings import EventLoop, Settings

# No headers and no body: the access log can never carry a key or a payload.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tf'


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """Return a server TLS context when a certificate is configured."""
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context


def new_event_loop(choice: EventLoop) -> tuple[asyncio.AbstractEventLoop, str]:
    """Return a new event loop of the chosen kind and its name (auto: uvloop if installed)."""
    if choice != "asyncio":
        try:
            uvloop = importlib.import_module("uvloop")
        except ImportError:
            if choice == "uvloop":
                raise
        else:
            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
            return loop, "uvloop"
    return asyncio.new_event_loop(), "asyncio"


def startup_line(settings: Settings, loop_name: str) -> str:
    """Return the one line `serve` prints at start (no secret: paths, modes, redacted URLs)."""
    scheme = "https" if settings.tls_enabled else "http"
    redis_url = settings.rate_limit_redis_url
    rate_limit = "in-process" if redis_url is None else f"shared in {redact_url(redis_url)}"
    return (
        f"techno-ops backend on {scheme}://{settings.host}:{settings.port}: "
        f"mode {settings.mode}, audit durability {settings.audit_durability}, "
        f"key store {settings.resolved_db_path}, rate limit {rate_limit}, event loop {loop_name}"
    )


class MalformedRequestFilter(logging.Filter):
    """Log a malformed HTTP request as one warning line without a traceback.

    aiohttp answers these (400) before the app sees them and logs each with a
    full traceback at ERROR: any client without a key could flood the log.
    The parser's message is left out too, since it may quote header bytes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg = "rejected a malformed HTTP request (%s, status %s)"
            record.args = (type(error).__name__, error.code)
            record.exc_info = None
            record.exc_text = None
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True


def run_serve(settings: Settings) -> int:
    """Serve until interrupted."""
    logging.basicConfig(
        level=logging.DEBUG if settings.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.server").addFilter(MalformedRequestFilter())
    harden_aiohttp()
    try:
        context = tls_context(settings)
    except (OSError, ssl.SSLError) as exc:
        print(f"error: TECHNO_TLS_CERT/TECHNO_TLS_KEY: cannot load: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    access_log = logging.getLogger("aiohttp.access") if settings.access_log else None
    try:
        # run_app closes the loop when it returns or fails.
        loop, loop_name = new_event_loop(settings.event_loop)
    except ImportError:
        print(
            "error: TECHNO_EVENT_LOOP: uvloop is not installed (pip install uvloop)",
            file=sys.stderr,
        )
        return 2
    print(startup_line(settings, loop_name), flush=True)
    try:
        web.run_app(
            app,
            loop=loop,
            host=settings.host,
            port=settings.port,
            ssl_context=context,
            access_log=access_log,
            access_log_format=ACCESS_LOG_FORMAT,
        )
    except OSError as exc:
        # Port in use, audit log not writable, ...: one line, no traceback.
        print(f"error: cannot serve on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    return 0
