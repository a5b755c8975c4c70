"""The real SQLite store, instrumented to count the reads a verifier makes."""

from __future__ import annotations

from service.storage import SqliteKeyStore, StoredKey, StoredSession


class CountingStore(SqliteKeyStore):
    """The real SQLite store, counting how often verifiers read a key or a session."""

    key_reads = 0
    session_reads = 0

    async def get_key(self, key_id: str) -> StoredKey | None:
        """Count the read, then read the key."""
        self.key_reads += 1
        return await super().get_key(key_id)

    async def get_session(self, session_id: str) -> StoredSession | None:
        """Count the read, then read the session."""
        self.session_reads += 1
        return await super().get_session(session_id)
