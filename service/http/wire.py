"""What aiohttp itself answers, hardened: no version banner, no echo of malformed bytes.

aiohttp answers a request its parser refuses (400) before any app code runs,
with the parser's message as the body, and that message quotes the offending
bytes back to the sender. Every response also carries `Server: Python/x.y
aiohttp/x.y.z`, which tells a scanner exactly which CVEs to try. aiohttp has
no setting for either, so the server process (not the library's other users)
replaces the two at start: the banner with a constant name, the error page
with the usual error envelope, which names no byte of the request.
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web_protocol, web_response
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from service.gates.trace import new_trace_id
from service.http.responses import error_response

SERVER_NAME = "techno-ops"
_original_handle_error = web_protocol.RequestHandler.handle_error


def _quiet_handle_error(
    self: web_protocol.RequestHandler,
    request: BaseRequest,
    status: int = 500,
    exc: BaseException | None = None,
    message: str | None = None,
) -> StreamResponse:
    # aiohttp's own version logs (see MalformedRequestFilter) and checks that no
    # answer was started; only its body is replaced.
    _original_handle_error(self, request, status, exc, message)
    if status == 400:
        reason, text = "MALFORMED_REQUEST", "the request is not valid HTTP/1.1"
    else:
        reason, text = f"HTTP_{status}", HTTPStatus(status).phrase
    response = error_response(status, new_trace_id(), (reason,), text)
    response.force_close()
    return response


def harden_aiohttp() -> None:
    """Replace aiohttp's Server banner and its parse-error page (idempotent)."""
    web_response.SERVER_SOFTWARE = SERVER_NAME  # type: ignore[attr-defined]
    web_protocol.RequestHandler.handle_error = _quiet_handle_error  # type: ignore[method-assign]
