"""Session verification: cached like keys, never in an API key's way, ended sessions fail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.credentials import session_verifier
from service.credentials.key_verifier import KeyVerifier, Principal
from service.credentials.keys import create_key
from service.credentials.session_verifier import SessionVerifier
from service.credentials.sessions import IssuedSession, create_session
from service.gates.authn import INVALID, AuthnGate
from tests.service.counting_store import CountingStore


async def _session_of_new_key(store: CountingStore, role: str = "viewer") -> IssuedSession:
    key = await create_key(store, role=role)
    now = datetime.now(UTC)
    return await create_session(store, key_id=key.record.key_id, ttl_seconds=600, now=now)


async def test_repeat_verifications_are_served_from_the_cache(
    counting_store: CountingStore,
) -> None:
    issued = await _session_of_new_key(counting_store, "operator")
    sessions = SessionVerifier(counting_store, KeyVerifier(counting_store, recheck_seconds=3600))
    record = issued.record
    for _ in range(5):
        principal = await sessions.verify(issued.token)
        assert principal == Principal(record.key_id, "operator", record.session_id)
    assert counting_store.session_reads == 1
    assert counting_store.key_reads == 1


async def test_api_key_callers_never_look_up_a_session(counting_store: CountingStore) -> None:
    key = await create_key(counting_store, role="viewer")
    await _session_of_new_key(counting_store)
    keys = KeyVerifier(counting_store, recheck_seconds=3600)
    gate = AuthnGate(keys, SessionVerifier(counting_store, keys))
    for headers in ({"X-API-KEY": key.api_key}, {"Authorization": f"Bearer {key.api_key}"}):
        principal = await gate.check(headers)
        assert principal == Principal(key.record.key_id, "viewer")
    assert counting_store.session_reads == 0
    assert counting_store.key_reads == 1


async def test_malformed_and_forged_tokens_are_refused(counting_store: CountingStore) -> None:
    issued = await _session_of_new_key(counting_store)
    sessions = SessionVerifier(counting_store, KeyVerifier(counting_store))
    session_id = issued.record.session_id
    for malformed in ("ses_", issued.token + "x", "ses_0123456789ABCDEF." + "A" * 43, ""):
        assert await sessions.verify(malformed) is None
    assert counting_store.session_reads == 0, "malformed tokens never reach the store"
    assert await sessions.verify(f"{session_id}.{'x' * 43}") is None
    assert await sessions.verify(issued.token) is not None


async def test_a_gate_without_sessions_refuses_tokens(counting_store: CountingStore) -> None:
    issued = await _session_of_new_key(counting_store)
    gate = AuthnGate(KeyVerifier(counting_store))
    assert await gate.check({"X-API-KEY": issued.token}) == INVALID


async def test_forget_refuses_a_session_this_process_ended(counting_store: CountingStore) -> None:
    issued = await _session_of_new_key(counting_store)
    # No store re-check within the test: only forget() can drop the cached session.
    sessions = SessionVerifier(counting_store, KeyVerifier(counting_store, recheck_seconds=3600))
    assert await sessions.verify(issued.token) is not None
    await counting_store.end_session(issued.record.session_id, datetime.now(UTC))
    sessions.forget(issued.record.session_id)
    assert await sessions.verify(issued.token) is None


async def test_a_revoked_keys_session_is_refused_after_invalidate(
    counting_store: CountingStore,
) -> None:
    issued = await _session_of_new_key(counting_store)
    keys = KeyVerifier(counting_store, recheck_seconds=3600)
    sessions = SessionVerifier(counting_store, keys)
    assert await sessions.verify(issued.token) is not None
    await counting_store.revoke_key(issued.record.key_id, datetime.now(UTC))
    keys.invalidate()  # what the admin API does after revoking
    assert await sessions.verify(issued.token) is None


async def test_a_flood_of_unknown_session_ids_never_evicts_a_real_session(
    counting_store: CountingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_verifier, "MAX_CACHED_UNKNOWN", 50)
    monkeypatch.setattr(session_verifier, "MAX_CACHED_KEYS", 50)
    issued = await _session_of_new_key(counting_store)
    sessions = SessionVerifier(counting_store, KeyVerifier(counting_store, recheck_seconds=3600))
    assert await sessions.verify(issued.token) is not None
    secret = issued.token.split(".", 1)[1]
    for n in range(200):  # four times over both bounds
        assert await sessions.verify(f"ses_{n:016x}.{secret}") is None
    reads = counting_store.session_reads
    assert await sessions.verify(issued.token) is not None
    assert counting_store.session_reads == reads, "the real session was evicted by made-up ids"
