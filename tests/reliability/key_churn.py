"""Create, use and revoke keys through the admin API until the backend dies under the loop."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

import aiohttp

from tests.reliability.reliability_backend import kill_hard
from tests.reliability.reliability_record import SecretRegistry

ECHO = json.dumps({"action": "echo", "context_id": "default", "payload": {"message": "churn"}})
TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass
class KeyLedger:
    """What the clients were told: keys created (id → key) and revocations confirmed."""

    created: dict[str, str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    accepted_after_revoke: list[str] = field(default_factory=list)


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, key: str, body: str | None = None
) -> tuple[int, dict[str, object]]:
    headers = {"X-API-KEY": key, "Content-Type": "application/json"}
    async with session.request(method, url, data=body, headers=headers) as answer:
        return answer.status, await answer.json()


async def _churn(
    session: aiohttp.ClientSession, base: str, admin: str, ledger: KeyLedger, reg: SecretRegistry
) -> None:
    create = json.dumps({"role": "viewer", "name": "churn"})
    try:
        while True:
            status, created = await _call(session, "POST", f"{base}/admin/keys", admin, create)
            assert status == 201, (status, created)
            key_id, api_key = str(created["key_id"]), reg.add_api_key(str(created["api_key"]))
            ledger.created[key_id] = api_key
            status, _ = await _call(session, "POST", f"{base}/process", api_key, ECHO)
            assert status == 200, f"a fresh key was refused: {status}"
            status, _ = await _call(session, "DELETE", f"{base}/admin/keys/{key_id}", admin)
            assert status == 200
            ledger.revoked.add(key_id)
            status, _ = await _call(session, "POST", f"{base}/process", api_key, ECHO)
            if status != 401:
                ledger.accepted_after_revoke.append(key_id)
    except (aiohttp.ClientError, TimeoutError):
        return  # the backend was killed under this client


async def _drive(
    base: str, admin: str, ledger: KeyLedger, reg: SecretRegistry, pid: int, kill_after: float
) -> None:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        workers = [asyncio.create_task(_churn(session, base, admin, ledger, reg)) for _ in range(3)]
        await asyncio.sleep(kill_after)
        await asyncio.to_thread(kill_hard, pid)
        await asyncio.gather(*workers)


def churn_then_kill(
    base: str, admin: str, ledger: KeyLedger, reg: SecretRegistry, *, pid: int, kill_after_s: float
) -> None:
    """Run three create/use/revoke loops against `base` and SIGKILL `pid` after kill_after_s."""
    asyncio.run(_drive(base, admin, ledger, reg, pid, kill_after_s))
