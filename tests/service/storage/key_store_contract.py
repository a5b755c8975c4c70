"""What every KeyStore must do with a created key, whichever engine holds it."""

from __future__ import annotations

from service.credentials.keys import IssuedKey, create_key, hash_secret
from service.storage.base import KeyStore


async def assert_a_created_key_round_trips(store: KeyStore) -> IssuedKey:
    """Create a key; prove it reads back whole, with only its secret's hash; return it."""
    issued = await create_key(store, role="viewer", name="ci", expires_in_days=2)
    stored = await store.get_key(issued.record.key_id)
    assert stored is not None
    assert stored.record == issued.record
    assert stored.secret_hash == hash_secret(issued.api_key.split(".")[1])
    assert [r.key_id for r in await store.list_keys()] == [issued.record.key_id]
    assert await store.get_key("key_0000000000000000") is None
    return issued
