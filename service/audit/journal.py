"""Bracket one gated request in the audit log: REQUEST_START ... REQUEST_END, then commit."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, Literal

from service.audit.denials import DenialSummary
from service.audit.writer import MAX_CACHED_TAILS, AuditClock, AuditWriter, EventEncoder

RequestOutcome = Literal["success", "denied", "failed"]


class _Tails:
    """Encoded event tails (everything after ts_utc) for all-text events, built once each."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str | None, ...], str] = {}

    def get(self, event: str, names: tuple[str, ...], values: tuple[str | None, ...]) -> str:
        key = (event, *values)
        tail = self._cache.get(key)
        if tail is None:
            fields = "".join(
                f',"{name}":{json.dumps(value)}' for name, value in zip(names, values, strict=True)
            )
            tail = f'","event":{json.dumps(event)}{fields}}}\n'
            if len(self._cache) >= MAX_CACHED_TAILS:
                self._cache.clear()
            self._cache[key] = tail
        return tail


_DECISION = ("gate", "decision", "reason", "key_id")
_DECISION_SESSION = (*_DECISION, "session_id")
_SELECTED = ("key_id", "action", "context_id", "executor_id")
_SELECTED_SESSION = (*_SELECTED, "session_id")
_EXECUTED = ("executor_id", "outcome")


class RequestRecord:
    """One request's audit events, encoded as they happen and queued together at its end.

    Handing the writer one chunk per request (instead of a call per event) is
    what makes eight events a request affordable; the lines are the same ones
    `encode_event` writes, each with the time its event happened.
    """

    __slots__ = (
        "_clock",
        "_head",
        "_journal",
        "_lines",
        "ended",
        "session_id",
        "source",
        "started",
        "trace_id",
    )

    def __init__(
        self,
        journal: RequestJournal,
        trace_id: str,
        method: str,
        route: str,
        correlation_id: str | None = None,
    ) -> None:
        self._journal = journal
        self._clock = journal.clock
        self.trace_id = trace_id
        # Set once a session token authenticates the request: its events then name it.
        self.session_id: str | None = None
        # Set when no valid credential was presented: the client address, whose
        # refusals are summarised instead of each written and synced.
        self.source: str | None = None
        self.ended = False
        self._head = '{"trace_id":' + json.dumps(trace_id) + ',"ts_utc":"'
        tail = journal.tails.get("REQUEST_START", ("method", "route"), (method, route))
        if correlation_id is not None:
            # One per request: not worth a place in the tail cache.
            tail = f'{tail[:-2]},"correlation_id":{json.dumps(correlation_id)}}}\n'
        self._lines = [self._head + self._clock.now() + tail]
        self.started = time.perf_counter()

    def decision(self, gate: str, decision: str, reason: str, key_id: str | None) -> None:
        """Record a gate's ALLOW or DENY."""
        session_id = self.session_id
        if session_id is None:
            tail = self._journal.tails.get("DECISION", _DECISION, (gate, decision, reason, key_id))
        else:
            values = (gate, decision, reason, key_id, session_id)
            tail = self._journal.tails.get("DECISION", _DECISION_SESSION, values)
        self._lines.append(self._head + self._clock.now() + tail)

    def executor_selected(
        self, key_id: str, action: str, context_id: str, executor_id: str
    ) -> None:
        """Record that every gate allowed and which executor runs the action."""
        session_id = self.session_id
        if session_id is None:
            values: tuple[str, ...] = (key_id, action, context_id, executor_id)
            tail = self._journal.tails.get("EXECUTOR_SELECTED", _SELECTED, values)
        else:
            values = (key_id, action, context_id, executor_id, session_id)
            tail = self._journal.tails.get("EXECUTOR_SELECTED", _SELECTED_SESSION, values)
        self._lines.append(self._head + self._clock.now() + tail)

    def action_executed(self, executor_id: str, outcome: str, duration_ms: float) -> None:
        """Record the executor's outcome and run time."""
        tail = self._journal.tails.get("ACTION_EXECUTED", _EXECUTED, (executor_id, outcome))
        # The cached tail ends in `}\n`: the number goes in before it.
        self._lines.append(
            f'{self._head}{self._clock.now()}{tail[:-2]},"duration_ms":{duration_ms!r}}}\n'
        )

    def event(self, event: str, **fields: Any) -> None:
        """Record any other event of this request (key administration)."""
        self._lines.append(self._journal.encoder.encode(self.trace_id, event, fields))

    async def end(
        self, status: int, outcome: RequestOutcome, reason_codes: Sequence[str] = ()
    ) -> None:
        """Record REQUEST_END and queue the request's events; in fsync mode, wait for the disk.

        Raises AuditUnavailable (fsync mode) when they could not be written.
        """
        self.ended = True
        duration_ms = round((time.perf_counter() - self.started) * 1000, 3)
        codes = ",".join(map(json.dumps, reason_codes))
        session = "" if self.session_id is None else f',"session_id":{json.dumps(self.session_id)}'
        self._lines.append(
            f'{self._head}{self._clock.now()}","event":"REQUEST_END","status":{status},'
            f'"outcome":"{outcome}","reason_codes":[{codes}],"duration_ms":{duration_ms!r}'
            f"{session}}}\n"
        )
        journal = self._journal
        audit = journal.audit
        if self.source is not None and outcome == "denied":
            reason = reason_codes[0] if reason_codes else ""
            if not journal.denials.write_in_full(self.source, reason, status, self.trace_id):
                return  # counted in its source's DENIALS_SUMMARISED: no write, no fsync
        audit.append("".join(self._lines), len(self._lines))
        if audit.durability == "fsync":  # buffered mode never waits: skip the call
            await audit.commit()


class RequestJournal:
    """Start a RequestRecord per gated request; the record honours the audit durability."""

    def __init__(self, audit: AuditWriter, denials: DenialSummary | None = None) -> None:
        self.audit = audit
        self.clock: AuditClock = audit.clock
        self.encoder = EventEncoder(self.clock)
        self.tails = _Tails()
        self.denials = DenialSummary(audit) if denials is None else denials

    def start(
        self, trace_id: str, method: str, route: str, correlation_id: str | None = None
    ) -> RequestRecord:
        """Record REQUEST_START (with the caller's correlation id) and return the record."""
        return RequestRecord(self, trace_id, method, route, correlation_id)
