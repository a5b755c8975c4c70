"""Free loopback ports, and a clear error when one is taken."""

from __future__ import annotations

import socket

import pytest

from contract.errors import PortClashError
from contract.ports import ensure_port_free, free_port


def test_free_port_can_be_bound() -> None:
    port = free_port()
    ensure_port_free(port, "prometheus")


def test_a_listening_port_is_a_clash_naming_component_and_port() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortClashError) as raised:
            ensure_port_free(port, "alertmanager")
    assert raised.value.component == "alertmanager"
    assert f"127.0.0.1:{port}" in str(raised.value)
