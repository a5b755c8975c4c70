"""Free loopback ports: pick one by binding port 0, and prove one is still free."""

from __future__ import annotations

import errno
import socket

from contract.errors import PortClashError

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a port the kernel reports free on host right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_port_free(port: int, component: str, host: str = LOOPBACK) -> None:
    """Raise PortClashError naming the component if another process holds host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers (aiohttp, Go's net/http) bind with SO_REUSEADDR, so connections lingering
        # in TIME_WAIT after a restart are no clash; only another listener is.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortClashError(
                component, f"port {host}:{port} is already in use by another process"
            ) from exc
