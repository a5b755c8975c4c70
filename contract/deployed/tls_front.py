"""A TLS reverse proxy demanding credentials, so a local stack can be addressed as if deployed."""

from __future__ import annotations

import asyncio
import base64
import ssl
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

# Hop-by-hop and length headers the proxy must not copy (aiohttp sets its own).
CLIENT = web.AppKey("client", aiohttp.ClientSession)
_DROP = {"content-length", "transfer-encoding", "connection", "content-encoding", "host"}


@dataclass(frozen=True)
class Front:
    """One proxied component: where it really is and the Authorization header it demands."""

    upstream: str
    authorization: str


def bearer(token: str) -> str:
    return f"Bearer {token}"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _app(front: Front) -> web.Application:
    async def proxy(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != front.authorization:
            return web.Response(status=401, text="unauthorized\n")
        client = request.app[CLIENT]
        async with client.request(
            request.method,
            front.upstream + request.rel_url.path_qs,
            data=await request.read(),
            headers={
                k: v
                for k, v in request.headers.items()
                if k.lower() not in _DROP | {"authorization"}
            },
        ) as answer:
            body = await answer.read()
            headers = {k: v for k, v in answer.headers.items() if k.lower() not in _DROP}
            return web.Response(status=answer.status, body=body, headers=headers)

    async def client_ctx(app: web.Application) -> AsyncIterator[None]:
        app[CLIENT] = aiohttp.ClientSession()
        yield
        await app[CLIENT].close()

    app = web.Application()
    app.cleanup_ctx.append(client_ctx)
    app.router.add_route("*", "/{tail:.*}", proxy)
    return app


@contextmanager
def tls_fronts(fronts: Mapping[str, Front], cert: Path, key: Path) -> Iterator[dict[str, str]]:
    """Serve each front on its own 127.0.0.1 HTTPS port; yield name → https base URL."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()
    runners: list[web.AppRunner] = []
    urls: dict[str, str] = {}

    async def start() -> None:
        for name, front in fronts.items():
            runner = web.AppRunner(_app(front), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
            await site.start()
            runners.append(runner)
            port = runner.addresses[0][1]
            urls[name] = f"https://127.0.0.1:{port}"

    async def stop() -> None:
        for runner in runners:
            await runner.cleanup()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield urls
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
