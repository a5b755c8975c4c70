"""G1: authenticate the caller by API key (X-API-KEY or Authorization: Bearer)."""

from __future__ import annotations

from collections.abc import Mapping

from service.gates import Deny
from service.key_verifier import KeyVerifier, Principal

API_KEY_HEADER = "X-API-KEY"
AUTHORIZATION_HEADER = "Authorization"
_BEARER = "bearer "

MISSING = Deny(
    gate="authn",
    status=401,
    reason="AUTHENTICATION_MISSING",
    message="send an API key in X-API-KEY or Authorization: Bearer <key>",
)
INVALID = Deny(
    gate="authn",
    status=401,
    reason="AUTHENTICATION_INVALID_KEY",
    message="the API key is malformed, unknown, revoked or expired",
)
CONFLICTING = Deny(
    gate="authn",
    status=401,
    reason="AUTHENTICATION_INVALID_KEY",
    message="X-API-KEY and Authorization carry different keys; send one",
)
NOT_BEARER = Deny(
    gate="authn",
    status=401,
    reason="AUTHENTICATION_INVALID_KEY",
    message="the Authorization header must use the Bearer scheme",
)


class AuthnGate:
    """Turn the request's key header into a Principal, or deny with 401."""

    def __init__(self, verifier: KeyVerifier) -> None:
        self._verifier = verifier

    async def check(self, headers: Mapping[str, str]) -> Principal | Deny:
        """Return the caller's principal, or the reason it is not authenticated."""
        presented = _presented_key(headers)
        if isinstance(presented, Deny):
            return presented
        principal = await self._verifier.verify(presented)
        # One message for unknown, revoked, expired and wrong secret: the caller
        # learns nothing about which key ids exist.
        return INVALID if principal is None else principal


def _presented_key(headers: Mapping[str, str]) -> str | Deny:
    api_key = headers.get(API_KEY_HEADER, "").strip()
    authorization = headers.get(AUTHORIZATION_HEADER, "").strip()
    bearer = ""
    if authorization:
        if authorization.lower() == _BEARER.strip():
            return MISSING
        if authorization[: len(_BEARER)].lower() != _BEARER:
            return NOT_BEARER
        bearer = authorization[len(_BEARER) :].strip()
        if not bearer:
            return MISSING
    if api_key and bearer and api_key != bearer:
        return CONFLICTING
    return api_key or bearer or MISSING
