"""Which client address a request comes from: its peer, or a trusted proxy's X-Forwarded-For."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

FORWARDED_FOR_HEADER = "X-Forwarded-For"
UNKNOWN = "unknown"
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ClientAddresses:
    """Name the client of a request: only a trusted proxy may speak for another address."""

    def __init__(self, trusted_proxies: tuple[str, ...] = ()) -> None:
        self._trusted: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(network, strict=False) for network in trusted_proxies
        )

    def of(self, peer: str | None, headers: Mapping[str, str]) -> str:
        """Return the client's address (as text), `unknown` when there is no peer address."""
        if peer is None:
            return UNKNOWN
        if not self._trusted or not self._is_trusted(peer):
            # X-Forwarded-For from anyone else is the caller's own claim: ignored.
            return peer
        forwarded = headers.get(FORWARDED_FOR_HEADER)
        if not forwarded:
            return peer
        client = peer
        # Right to left: each trusted proxy appended the address it received from;
        # the first hop that is not one of ours is the client.
        for hop in reversed(forwarded.split(",")):
            try:
                address = ipaddress.ip_address(hop.strip())
            except ValueError:
                return client  # garbage only a client can have written: stop at the last proxy
            client = str(address)
            if not self._is_trusted(client):
                return client
        return client

    def _is_trusted(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self._trusted)
