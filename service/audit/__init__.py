"""The canonical audit log: append-only JSON lines, documented by audit_event.schema.json."""

from pathlib import Path

from service.audit.reader import TraceReport, format_event, read_trace
from service.audit.writer import AuditWriter, append_durably, encode_event

AUDIT_EVENT_SCHEMA_PATH = Path(__file__).resolve().parent / "audit_event.schema.json"

__all__ = [
    "AUDIT_EVENT_SCHEMA_PATH",
    "AuditWriter",
    "TraceReport",
    "append_durably",
    "encode_event",
    "format_event",
    "read_trace",
]
