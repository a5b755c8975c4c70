"""`keys create|list|revoke`: key administration against the configured database."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from service.audit import append_durably, encode_event
from service.credentials.keys import KEY_ID_RE, IssuedKey, create_key, key_to_json
from service.gates.trace import new_trace_id
from service.pipeline.matrix import load_matrix
from service.settings import Settings
from service.storage import KeyRecord, KeyStore, StorageError
from service.storage.choose import open_store

T = TypeVar("T")
CLI_ACTOR = "cli"


def _with_store(settings: Settings, work: Callable[[KeyStore], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await open_store(settings)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def _audit(settings: Settings, event: str, **fields: str) -> str:
    trace_id = new_trace_id()
    line = encode_event(trace_id, event, fields)
    try:
        if settings.audit_sink == "postgresql":
            from service.audit.pg_sink import append_events  # asyncpg only when used

            assert settings.database_url is not None
            asyncio.run(append_events(settings.database_url, [line]))
        else:
            append_durably(settings.resolved_audit_path, [line])
    except (OSError, StorageError) as exc:
        print(f"warning: could not write the audit log: {exc}", file=sys.stderr)
    return trace_id


def run_keys_create(
    settings: Settings, *, role: str, name: str, expires_in_days: int | None, as_json: bool
) -> int:
    """Create a key for a role from the matrix and print its secret exactly once."""
    matrix = load_matrix(settings.action_matrix_path)
    if role not in matrix.roles:
        known = ", ".join(matrix.roles)
        print(f"error: --role: unknown role {role!r} (known: {known})", file=sys.stderr)
        return 2
    try:
        issued: IssuedKey = _with_store(
            settings,
            lambda store: create_key(store, role=role, name=name, expires_in_days=expires_in_days),
        )
    except ValueError as exc:
        print(f"error: --{str(exc).replace('_', '-')}", file=sys.stderr)
        return 2
    trace_id = _audit(
        settings, "KEY_CREATED", key_id=issued.record.key_id, role=role, actor=CLI_ACTOR
    )
    print("warning: the API key is shown only once; store it now.", file=sys.stderr)
    if as_json:
        print(json.dumps({**key_to_json(issued.record), "api_key": issued.api_key}))
        return 0
    record = issued.record
    expires = "never" if record.expires_at is None else record.expires_at.isoformat()
    print(f"created {record.key_id} (role {record.role}, expires {expires}, audit {trace_id})")
    print(issued.api_key)
    return 0


def run_keys_list(settings: Settings, *, as_json: bool) -> int:
    """Print every key without its secret."""
    records: tuple[KeyRecord, ...] = _with_store(settings, lambda store: store.list_keys())
    rows = [key_to_json(record) for record in records]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no keys")
    for row in rows:
        print(
            f"{row['key_id']}  {row['state']:<7}  {row['role']:<10}  "
            f"created {row['created_at']}  expires {row['expires_at'] or 'never'}  {row['name']}"
        )
    return 0


def run_keys_revoke(settings: Settings, key_id: str) -> int:
    """Revoke a key; the running server refuses it from the next request on."""
    if not KEY_ID_RE.match(key_id):
        print(f"error: KEY_ID must look like key_<16 hex digits>, got {key_id!r}", file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    record = _with_store(settings, lambda store: store.revoke_key(key_id, now))
    if record is None:
        print(f"error: no key {key_id}", file=sys.stderr)
        return 1
    trace_id = _audit(settings, "KEY_REVOKED", key_id=key_id, actor=CLI_ACTOR)
    print(f"revoked {key_id} (audit {trace_id})")
    return 0
