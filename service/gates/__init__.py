"""The pipeline's gates, one module each; a gate returns what it allowed or a Deny."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GateName = Literal["authn", "rate_limit", "input", "authz"]
ALLOW_REASON = "OK"


@dataclass(frozen=True, slots=True)
class Deny:
    """A gate's refusal: the HTTP status, the catalog reason code and a message for the client.

    The message names what is wrong (a field, a limit) but never echoes a key or
    payload content back.
    """

    gate: GateName
    status: int
    reason: str
    message: str
    retry_after_seconds: int | None = None
