"""Storage adapters: the KeyStore interface and its embedded SQLite default."""

from service.storage.base import KeyRecord, KeyStore, StorageError, StoredKey
from service.storage.sqlite import SqliteKeyStore

__all__ = ["KeyRecord", "KeyStore", "SqliteKeyStore", "StorageError", "StoredKey"]
