"""The PostgreSQL schema and its versions: created or upgraded at start, never downgraded."""

from __future__ import annotations

from dataclasses import dataclass

from service.storage.base import SchemaTooNew
from service.storage.pg_listener import Connection

# One step per version, applied in order inside one transaction; never edit a shipped
# step, add the next one. 1: keys and sessions. 2: the append-only audit log.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
CREATE TABLE api_keys (
    key_id      text PRIMARY KEY,
    role        text NOT NULL,
    name        text NOT NULL,
    secret_hash bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    revoked_at  timestamptz
)
""",
        """
CREATE TABLE sessions (
    session_id  text PRIMARY KEY,
    key_id      text NOT NULL REFERENCES api_keys (key_id),
    secret_hash bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz
)
""",
        "CREATE INDEX sessions_expires_at ON sessions (expires_at)",
    ),
    (
        # `json`, not `jsonb`: the event is kept as the writer encoded it, key order included.
        """
CREATE TABLE audit_events (
    seq         bigserial PRIMARY KEY,
    trace_id    text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    event       json NOT NULL
)
""",
        "CREATE INDEX audit_events_trace_id ON audit_events (trace_id, seq)",
        """
CREATE INDEX audit_events_correlation_id ON audit_events ((event->>'correlation_id'))
    WHERE event->>'event' = 'REQUEST_START'
""",
        # Append-only even for a role that may update or delete: the audit is evidence.
        """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
END
$$
""",
        """
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
""",
        """
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
# Any fixed number: replicas starting together take turns at migrating.
_MIGRATION_LOCK = 0x7EC4_0001
_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS techno_schema (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version  integer NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    """What one migration run found and left."""

    before: int
    after: int


async def migrate(conn: Connection, *, target: int = SCHEMA_VERSION) -> Migration:
    """Bring the schema to `target` in one transaction; raise SchemaTooNew if it is newer."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        await conn.execute(_VERSION_TABLE)
        found = await conn.fetchval("SELECT version FROM techno_schema")
        before = 0 if found is None else int(found)
        if before > SCHEMA_VERSION:
            raise SchemaTooNew(before, SCHEMA_VERSION)
        for step in MIGRATIONS[before:target]:
            for statement in step:
                await conn.execute(statement)
        after = max(before, target)
        await conn.execute(
            "INSERT INTO techno_schema (version) VALUES ($1)"
            " ON CONFLICT (only_row) DO UPDATE SET version = EXCLUDED.version",
            after,
        )
    return Migration(before=before, after=after)
