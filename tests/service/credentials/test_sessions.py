"""Session tokens: their shape, and the lifetime they are issued with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.credentials.keys import create_key, hash_secret
from service.credentials.sessions import create_session, split_session_token
from tests.service.counting_store import CountingStore


async def test_a_token_is_the_session_id_and_a_secret_stored_as_a_hash(
    counting_store: CountingStore,
) -> None:
    key = await create_key(counting_store, role="viewer")
    now = datetime(2030, 1, 1, 12, 0, 0, 999_999, tzinfo=UTC)
    issued = await create_session(counting_store, key_id=key.record.key_id, ttl_seconds=90, now=now)
    parts = split_session_token(issued.token)
    assert parts is not None
    session_id, secret = parts
    assert session_id == issued.record.session_id and session_id.startswith("ses_")
    assert len(session_id) == 20 and len(secret) == 43
    assert issued.record.created_at == now.replace(microsecond=0)
    assert issued.record.expires_at == now.replace(microsecond=0) + timedelta(seconds=90)
    stored = await counting_store.get_session(session_id)
    assert stored is not None and stored.secret_hash == hash_secret(secret)


@pytest.mark.parametrize(
    "token",
    ["", "ses_0123456789abcdef", "key_0123456789abcdef." + "A" * 43, "ses_0123." + "A" * 43],
)
def test_anything_else_is_not_a_session_token(token: str) -> None:
    assert split_session_token(token) is None


async def test_a_ttl_under_a_minute_is_refused(counting_store: CountingStore) -> None:
    key = await create_key(counting_store, role="viewer")
    with pytest.raises(ValueError, match=r"^ttl_seconds: must be at least 60$"):
        await create_session(
            counting_store, key_id=key.record.key_id, ttl_seconds=59, now=datetime.now(UTC)
        )
