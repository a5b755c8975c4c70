"""G1: authenticate the caller by API key or session token (X-API-KEY or Authorization: Bearer)."""

from __future__ import annotations

from collections.abc import Mapping

from service.credentials.key_verifier import KeyVerifier, Principal
from service.credentials.session_verifier import SessionVerifier
from service.credentials.sessions import SESSION_ID_PREFIX
from service.gates import Deny

API_KEY_HEADER = "X-API-KEY"
AUTHORIZATION_HEADER = "Authorization"
_BEARER = "bearer "

MISSING = Deny(
    gate="authn",
    status=401,
    reason="AUTHENTICATION_MISSING",
    message="send an API key or session token in X-API-KEY or Authorization: Bearer <token>",
)
INVALID = Deny(
    gate="authn",
    status=401,
    reason="AUTHENTICATION_INVALID_KEY",
    message="the API key or session token is malformed, unknown, revoked, ended or expired",
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
    """Turn the request's key header into a Principal, or deny with 401.

    Without a session verifier, session tokens are refused like any unknown key.
    """

    def __init__(self, verifier: KeyVerifier, sessions: SessionVerifier | None = None) -> None:
        self._verifier = verifier
        self._sessions = sessions

    async def check(self, headers: Mapping[str, str]) -> Principal | Deny:
        """Return the caller's principal, or the reason it is not authenticated."""
        presented = _presented_key(headers)
        if isinstance(presented, Deny):
            return presented
        principal = await self._verifier.verify(presented)
        if principal is not None:
            return principal
        # Keys first: an API-key caller pays nothing for sessions existing, and a
        # session token fails the key's pattern at its first character.
        if self._sessions is not None and presented.startswith(SESSION_ID_PREFIX):
            principal = await self._sessions.verify(presented)
        # One message for unknown, revoked, expired, ended and wrong secret: the
        # caller learns nothing about which key or session ids exist.
        return INVALID if principal is None else principal

    async def names_a_real_key(self, headers: Mapping[str, str]) -> bool:
        """Return True if the request presents an API key whose id exists (no secret check)."""
        presented = _presented_key(headers)
        return not isinstance(presented, Deny) and await self._verifier.names_a_real_key(presented)


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
