"""`audit ID`: print a request's events in order (by its id or the caller's), damage reported."""

from __future__ import annotations

import asyncio
import json
import sys

from service.audit import format_event, read_trace
from service.settings import Settings


def run_audit(settings: Settings, trace_id: str, *, as_json: bool) -> int:
    """Print the trace's events; exit 1 if there are none."""
    if settings.audit_sink == "postgresql":
        from service.audit.pg_sink import read_trace_pg  # asyncpg only when used

        assert settings.database_url is not None
        where = "the audit_events table"
        # StorageError, naming the database without its password, exits 1 in main.
        report = asyncio.run(read_trace_pg(settings.database_url, trace_id))
    else:
        path = settings.resolved_audit_path
        where = str(path)
        try:
            report = read_trace(path, trace_id)
        except OSError as exc:
            print(f"error: cannot read audit log {path}: {exc.strerror}", file=sys.stderr)
            return 1
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    several = len(report.requests) > 1
    for request_id, events in report.requests.items():
        if several and not as_json:
            # Requests sharing a correlation id are shown apart, never as one.
            print(f"request {request_id}")
        for event in events:
            print(json.dumps(event, separators=(",", ":")) if as_json else format_event(event))
    if not report.requests:
        print(f"error: no audit events for trace id {trace_id!r} in {where}", file=sys.stderr)
        return 1
    return 0
