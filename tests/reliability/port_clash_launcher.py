"""Run the contract harness with the backend placed on a given port (that another process holds).

Usage: python port_clash_launcher.py PORT [contract arguments...]
The process runtime picks ports by binding port 0, one per component in COMPONENTS order;
this makes the backend's pick the given port, so the clash is real and the harness has
to notice it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from unittest import mock

import contract.runtime.process as process_runtime
from contract.cli import main
from contract.ports import free_port
from contract.spec import BACKEND, COMPONENTS


def _backend_gets(port: int) -> Iterator[int]:
    for component in COMPONENTS:
        yield port if component.name == BACKEND else free_port()
    while True:
        yield free_port()


if __name__ == "__main__":
    picks = _backend_gets(int(sys.argv[1]))
    with mock.patch.object(process_runtime, "free_port", lambda host="": next(picks)):
        sys.exit(main(sys.argv[2:]))
