"""Bare aiohttp baseline: parse the same JSON body, answer a small JSON, nothing else."""

from __future__ import annotations

import argparse
import json

import uvloop
from aiohttp import web


async def process(request: web.Request) -> web.Response:
    """Parse the body as the pipeline does and answer a small JSON object."""
    body = json.loads(await request.read())
    return web.json_response({"status": "SUCCESS", "action": body["action"]})


async def health(_request: web.Request) -> web.Response:
    """Answer readiness probes."""
    return web.json_response({"status": "ok"})


def build_app() -> web.Application:
    """Return the two-route application."""
    app = web.Application()
    app.router.add_post("/process", process)
    app.router.add_get("/health", health)
    return app


def main() -> None:
    """Serve on 127.0.0.1 with uvloop and no access log (aiohttp's production setup)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvloop.install()
    web.run_app(build_app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
