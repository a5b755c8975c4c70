"""When a session stops working: expiry, its key's revocation or expiry; and no oracle."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from service.cli.keys import run_keys_revoke

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
DAY = 86_400.0


class ManualClock:
    """A wall clock (Unix seconds) that only moves when the test moves it."""

    def __init__(self) -> None:
        # Whole seconds: stored times are whole seconds, so expiry is exact.
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


async def test_a_session_expires_after_its_ttl(make_service: Any, expect_error: Any) -> None:
    clock = ManualClock()
    service = await make_service(clock=clock)
    token = (await service.open_session(await service.issue_key(), {"ttl_seconds": 60}))["token"]
    clock.now += 59
    assert (await service.process(token, ECHO)).status == 200
    clock.now += 1
    await expect_error(await service.process(token, ECHO), 401, "AUTHENTICATION_INVALID_KEY")
    ending = await service.client.delete("/sessions/current", headers={"X-API-KEY": token})
    await expect_error(ending, 401, "AUTHENTICATION_INVALID_KEY")


async def test_the_default_ttl_comes_from_the_settings(
    make_service: Any, expect_error: Any
) -> None:
    clock = ManualClock()
    service = await make_service(clock=clock, session_ttl_seconds=300)
    token = (await service.open_session(await service.issue_key()))["token"]
    clock.now += 299
    assert (await service.process(token, ECHO)).status == 200
    clock.now += 1
    await expect_error(await service.process(token, ECHO), 401, "AUTHENTICATION_INVALID_KEY")


async def test_a_session_ends_when_its_key_expires(make_service: Any, expect_error: Any) -> None:
    clock = ManualClock()
    service = await make_service(clock=clock)
    key = await service.issue_key(expires_in_days=1)
    clock.now += DAY - 100
    token = (await service.open_session(key))["token"]
    assert (await service.process(token, ECHO)).status == 200
    clock.now += 200  # the key is past its expiry, the 8 h session is not
    await expect_error(await service.process(token, ECHO), 401, "AUTHENTICATION_INVALID_KEY")


async def test_revoking_the_key_with_the_cli_refuses_its_session_next(
    service: Any, expect_error: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await service.issue_key()
    token = (await service.open_session(key))["token"]
    assert (await service.process(token, ECHO)).status == 200  # cached from here on
    code = await asyncio.to_thread(run_keys_revoke, service.settings, key.split(".")[0])
    assert code == 0, capsys.readouterr().err
    await expect_error(await service.process(token, ECHO), 401, "AUTHENTICATION_INVALID_KEY")


async def test_revoking_the_key_through_the_api_refuses_its_session_at_once(
    service: Any, expect_error: Any
) -> None:
    admin = await service.issue_key("admin")
    key = await service.issue_key()
    token = (await service.open_session(key))["token"]
    assert (await service.process(token, ECHO)).status == 200
    revoked = await service.client.delete(
        f"/admin/keys/{key.split('.')[0]}", headers={"X-API-KEY": admin}
    )
    assert revoked.status == 200
    await expect_error(await service.process(token, ECHO), 401, "AUTHENTICATION_INVALID_KEY")


async def test_every_refused_token_gets_the_same_answer(
    make_service: Any, expect_error: Any
) -> None:
    clock = ManualClock()
    service = await make_service(clock=clock)
    key = await service.issue_key()
    expiring = (await service.open_session(key, {"ttl_seconds": 60}))["token"]
    ended = (await service.open_session(key))["token"]
    await service.client.delete("/sessions/current", headers={"X-API-KEY": ended})
    session_id = ended.split(".")[0]
    clock.now += 60
    refused = [
        expiring,
        ended,
        f"{session_id}.{'Q' * 43}",  # right id, wrong secret
        "ses_0123456789abcdef." + "A" * 43,  # unknown id
        "ses_short.secret",  # malformed
        "key_0123456789abcdef." + "A" * 43,  # an unknown API key, for comparison
    ]
    messages = set()
    for token in refused:
        error = await expect_error(
            await service.process(token, ECHO), 401, "AUTHENTICATION_INVALID_KEY"
        )
        messages.add(error["message"])
    assert len(messages) == 1


async def test_tokens_never_reach_the_logs_audit_or_database(
    service: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = await service.issue_key("operator")
    token = (await service.open_session(key))["token"]
    secret = token.split(".")[1]
    await service.process(token, ECHO)
    await service.process(token.split(".")[0] + "." + "Z" * 43, ECHO)
    await service.client.post("/sessions", headers={"X-API-KEY": token})
    await service.client.delete("/sessions/current", headers={"Authorization": f"Bearer {token}"})
    await service.process(token, ECHO)

    assert token.split(".")[0] in service.settings.resolved_audit_path.read_text()
    assert caplog.records, "the test must capture the service's logging"
    assert secret not in caplog.text
    assert secret not in service.settings.resolved_audit_path.read_text()
    rows = service.table_rows("sessions")
    assert rows and secret not in repr(rows)
    assert secret.encode() not in service.database_bytes()


async def test_a_session_ended_on_one_replica_is_refused_by_another(
    make_service: Any, expect_error: Any, tmp_path: Any
) -> None:
    replica_a = await make_service()
    replica_b = await make_service(audit_path=tmp_path / "replica-b.jsonl")
    token = (await replica_a.open_session(await replica_a.issue_key()))["token"]
    replica_b.issued.append(token)
    assert (await replica_b.process(token, ECHO)).status == 200  # cached by b from here on
    ended = await replica_a.client.delete("/sessions/current", headers={"X-API-KEY": token})
    assert ended.status == 204
    await asyncio.sleep(0.002)  # b re-reads the store's version at most once a millisecond
    await expect_error(await replica_b.process(token, ECHO), 401, "AUTHENTICATION_INVALID_KEY")
