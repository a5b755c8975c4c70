"""Key verification: cached on the hot path, yet revocations and expiry apply at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.credentials import key_verifier
from service.credentials.key_verifier import KeyVerifier
from service.credentials.keys import create_key
from service.storage import SqliteKeyStore
from tests.service.counting_store import CountingStore


@pytest.fixture
def store(counting_store: CountingStore) -> CountingStore:
    return counting_store


async def test_repeat_verifications_are_served_from_the_cache(store: CountingStore) -> None:
    issued = await create_key(store, role="viewer")
    verifier = KeyVerifier(store, recheck_seconds=3600)
    for _ in range(5):
        principal = await verifier.verify(issued.api_key)
        assert principal is not None and principal.role == "viewer"
    assert store.key_reads == 1


async def test_revocation_by_another_connection_is_seen_on_the_next_call(
    store: CountingStore, tmp_path: Path
) -> None:
    issued = await create_key(store, role="viewer")
    verifier = KeyVerifier(store, recheck_seconds=0)
    assert await verifier.verify(issued.api_key) is not None
    cli = SqliteKeyStore.open(tmp_path / "keys.db")
    try:
        await cli.revoke_key(issued.record.key_id, datetime.now(UTC))
    finally:
        await cli.close()
    assert await verifier.verify(issued.api_key) is None


async def test_expiry_is_checked_on_every_call_even_when_cached(store: CountingStore) -> None:
    issued = await create_key(store, role="viewer", expires_in_days=1)
    now = [datetime.now(UTC).timestamp()]
    verifier = KeyVerifier(store, recheck_seconds=3600, clock=lambda: now[0])
    assert await verifier.verify(issued.api_key) is not None
    now[0] += 86_401
    assert await verifier.verify(issued.api_key) is None


async def test_wrong_secret_and_malformed_keys_fail(store: CountingStore) -> None:
    issued = await create_key(store, role="viewer")
    verifier = KeyVerifier(store)
    key_id = issued.record.key_id
    assert await verifier.verify(f"{key_id}.{'x' * 43}") is None
    assert await verifier.verify(issued.api_key + "x") is None
    assert await verifier.verify("") is None
    assert store.key_reads == 1, "malformed keys never reach the store"


async def test_unknown_ids_are_cached_negatively(store: CountingStore) -> None:
    verifier = KeyVerifier(store, recheck_seconds=3600)
    unknown = "key_0123456789abcdef." + "A" * 43
    for _ in range(3):
        assert await verifier.verify(unknown) is None
    assert store.key_reads == 1


async def test_a_flood_of_unknown_ids_never_evicts_a_real_key(
    store: CountingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key_verifier, "MAX_CACHED_UNKNOWN", 50)
    monkeypatch.setattr(key_verifier, "MAX_CACHED_KEYS", 50)
    issued = await create_key(store, role="viewer")
    verifier = KeyVerifier(store, recheck_seconds=3600)
    assert await verifier.verify(issued.api_key) is not None
    for n in range(200):  # four times over both bounds
        assert await verifier.verify(f"key_{n:016x}." + "A" * 43) is None
    reads = store.key_reads
    assert await verifier.verify(issued.api_key) is not None
    assert store.key_reads == reads, "the real key was evicted by made-up ids"
