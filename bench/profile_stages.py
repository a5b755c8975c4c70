"""Attribute py-spy's collapsed stacks to pipeline stages: which stage costs what."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bench.errors import BenchError

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
IDLE = "idle worker threads (excluded)"
OTHER = "aiohttp/uvloop: HTTP parsing, dispatch, socket writes"

# (stage, predicate on "function (file)") - the deepest frame that matches any
# stage names the stage, so `execute -> first_violation` counts as validation.
STAGE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("G0 trace id", re.compile(r"^trace_context |^new_trace_id |^caller_id ")),
    ("G1 authn (key verify, cache, sha256)", re.compile(r"^AuthnGate\.check |KeyVerifier")),
    ("G2 rate limit", re.compile(r"^RateLimitGate\.check ")),
    (
        "G3-G7 body read + json.loads + safe strings",
        re.compile(r"read_json_object |_read_json_object |^find_unsafe "),
    ),
    ("G10 authz", re.compile(r"^AuthzGate\.check_action ")),
    # Not await_within: the body read runs under it too, and the executor's
    # samples are all below execute() anyway.
    ("executor call + timeout", re.compile(r"^execute \(|EchoExecutor\.execute ")),
    (
        "JSON Schema validation (envelope, payload, result)",
        re.compile(r"^first_violation |^SchemaCheck\.|fast_schema\.py|jsonschema/"),
    ),
    (
        "audit: event encoding (json.dumps, timestamp)",
        re.compile(r"^AuditWriter\.emit |^encode_event |RequestJournal\.|RequestRecord\."),
    ),
    ("audit: writer task/thread (write, fsync)", re.compile(r"^AuditWriter\._(run|write) ")),
    (
        "metrics (tallies, prometheus_client)",
        re.compile(r"prometheus_client/|^ServiceMetrics\.|^RouteMetrics\.|Tally\."),
    ),
    (
        "response building (json.dumps, Response)",
        re.compile(r"^json_response |^json_body |^envelope |^error_response |^success_response "),
    ),
    ("middleware (observe)", re.compile(r"observe |ObserveMiddleware")),
    (
        "pipeline glue (handler, gate composition)",
        re.compile(
            r"^Pipeline\.handle |^TwinPipeline\.|^DecisionRecorder\.|^AccessGates\.|^_process "
        ),
    ),
)


@dataclass(frozen=True)
class StageShare:
    """One stage's share of the server's busy samples."""

    stage: str
    samples: int
    percent: float


def parse_collapsed(lines: Iterable[str]) -> list[tuple[list[str], int]]:
    """Parse `frame;frame;... count` lines into (frames as 'function (file)', count)."""
    stacks: list[tuple[list[str], int]] = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or not stack:
            raise BenchError(f"collapsed stacks line {number}: expected 'frames count': {line!r}")
        stacks.append(([_frame_name(f) for f in stack.split(";")], int(count)))
    return stacks


def _frame_name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match["file"].split("site-packages/")[-1]
    return f"{match['func']} ({path})"


def classify(frames: list[str]) -> str:
    """Return the stage of one stack: the deepest frame any stage rule matches."""
    for frame in reversed(frames):
        for stage, pattern in STAGE_RULES:
            if pattern.search(frame):
                return stage
    if any(f.startswith("Thread._bootstrap ") for f in frames):
        return IDLE
    return OTHER


def stage_shares(stacks: Iterable[tuple[list[str], int]]) -> list[StageShare]:
    """Return busy samples per stage, largest first, idle worker threads left out."""
    counts: Counter[str] = Counter()
    for frames, count in stacks:
        counts[classify(frames)] += count
    counts.pop(IDLE, None)
    busy = sum(counts.values())
    if busy == 0:
        raise BenchError("the profile holds no busy samples of the server")
    return [StageShare(stage, n, 100.0 * n / busy) for stage, n in counts.most_common()]
