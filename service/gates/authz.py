"""G10: the action matrix decides whether the caller's role may run the action here."""

from __future__ import annotations

from service.credentials.key_verifier import Principal
from service.gates import Deny
from service.pipeline.matrix import ActionMatrix


class AuthzGate:
    """Deny with 403 when the role has no grant for action x context."""

    def __init__(self, matrix: ActionMatrix) -> None:
        self._matrix = matrix

    def check_action(self, principal: Principal, action: str, context_id: str) -> Deny | None:
        """Allow only what the caller's role is granted in the matrix."""
        if self._matrix.allows(principal.role, action, context_id):
            return None
        return Deny(
            gate="authz",
            status=403,
            reason="ACTION_FORBIDDEN",
            message=f"role {principal.role!r} may not run {action!r} in context {context_id!r}",
        )

    def check_key_admin(self, principal: Principal) -> Deny | None:
        """Allow the key administration API only to roles with manage_keys."""
        if self._matrix.can_manage_keys(principal.role):
            return None
        return Deny(
            gate="authz",
            status=403,
            reason="ACTION_FORBIDDEN",
            message=f"role {principal.role!r} may not administer API keys",
        )

    def check_credential_minting(self, principal: Principal) -> Deny | None:
        """Allow creating credentials (sessions, keys) only to callers using an API key.

        A session that could mint a session or a key could outlive its TTL.
        """
        if principal.session_id is None:
            return None
        return Deny(
            gate="authz",
            status=403,
            reason="ACTION_FORBIDDEN",
            message="a session token cannot create sessions or keys; use the API key",
        )
