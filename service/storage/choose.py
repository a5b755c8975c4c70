"""Open the store the settings name: PostgreSQL when TECHNO_DATABASE_URL is set, else SQLite."""

from __future__ import annotations

from service.settings import Settings
from service.storage.base import CredentialStore
from service.storage.sqlite import SqliteKeyStore


async def open_store(settings: Settings) -> CredentialStore:
    """Return the configured credential store, its schema created or upgraded."""
    if settings.database_url is None:
        return SqliteKeyStore.open(settings.resolved_db_path)
    # Imported here: asyncpg is loaded only by a service that uses it.
    from service.storage.postgres import PostgresKeyStore

    return await PostgresKeyStore.open(settings.database_url)
