"""`migrate`: create or upgrade the PostgreSQL schema before the replicas start."""

from __future__ import annotations

import asyncio
import sys

from service.settings import Settings


def run_migrate(settings: Settings) -> int:
    """Bring the schema to this service's version and say which versions it found and left."""
    if settings.database_url is None:
        print(
            "error: TECHNO_DATABASE_URL is not set: the SQLite file needs no migrate "
            "(serve creates and upgrades it)",
            file=sys.stderr,
        )
        return 2
    from service.storage.postgres import migrate_database  # asyncpg only when used

    # StorageError (SchemaTooNew names both versions) exits 1 in main.
    done = asyncio.run(migrate_database(settings.database_url))
    if done.before == done.after:
        print(f"schema version {done.after}: up to date")
    else:
        print(f"schema upgraded from version {done.before} to {done.after}")
    return 0
