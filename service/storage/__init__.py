"""Storage adapters: the KeyStore and SessionStore interfaces and their SQLite default."""

from service.storage.base import (
    KeyRecord,
    KeyStore,
    SessionRecord,
    SessionStore,
    StorageError,
    StoredKey,
    StoredSession,
)
from service.storage.sqlite import SqliteKeyStore

__all__ = [
    "KeyRecord",
    "KeyStore",
    "SessionRecord",
    "SessionStore",
    "SqliteKeyStore",
    "StorageError",
    "StoredKey",
    "StoredSession",
]
