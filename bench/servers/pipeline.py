"""Run `python -m service serve` unchanged, on uvloop like the other load variants."""

from __future__ import annotations

import runpy
import sys

import uvloop


def main() -> None:
    """Install uvloop as the event loop policy, then hand over to the service's own CLI."""
    # Every load variant runs on uvloop (uvicorn's best setup uses it), so the
    # pipeline must too; the service itself is run exactly as operators run it.
    uvloop.install()
    sys.argv = ["service", "serve"]
    runpy.run_module("service", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
