"""Serve the FastAPI twin with uvicorn on uvloop + httptools (its best production setup)."""

from __future__ import annotations

import uvicorn

from bench.fastapi_twin.app import create_twin_app
from service.settings import Settings


def main() -> None:
    """Read the same TECHNO_* settings as the service and serve until SIGTERM."""
    settings = Settings.from_env()
    uvicorn.run(
        create_twin_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
