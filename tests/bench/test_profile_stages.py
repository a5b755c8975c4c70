"""py-spy's collapsed stacks are split into the pipeline stages the report names."""

from __future__ import annotations

import pytest

from bench.errors import BenchError
from bench.profile_stages import IDLE, OTHER, classify, parse_collapsed, stage_shares

LOOP = "run_app (aiohttp/web.py:527);RequestHandler._handle_request (aiohttp/web_protocol.py:480)"
HANDLE = f"{LOOP};Pipeline.handle (service/pipeline.py:52)"
PROFILE = [
    f"{HANDLE};execute (service/execution.py:70);first_violation (service/schema_errors.py:20);"
    "iter_errors (/venv/lib/python3.11/site-packages/jsonschema/validators.py:381) 30",
    f"{HANDLE};DecisionRecorder.allow (service/access.py:25);"
    "AuditWriter.emit (service/audit/writer.py:80);encode_event (service/audit/writer.py:33) 20",
    f"{HANDLE};execute (service/execution.py:66) 10",
    f"{LOOP};StreamWriter._writelines (aiohttp/http_writer.py:120) 40",
    "Thread._bootstrap (threading.py:1002);_worker (concurrent/futures/thread.py:81) 500",
]


def test_the_deepest_matching_frame_names_the_stage() -> None:
    stacks = parse_collapsed(PROFILE)
    assert classify(stacks[0][0]) == "JSON Schema validation (envelope, payload, result)"
    assert classify(stacks[1][0]) == "audit: event encoding (json.dumps, timestamp)"
    assert classify(stacks[2][0]) == "executor call + timeout"
    assert classify(stacks[3][0]) == OTHER
    assert classify(stacks[4][0]) == IDLE


def test_shares_are_of_busy_samples_only_largest_first() -> None:
    shares = stage_shares(parse_collapsed(PROFILE))
    assert [(s.stage, s.samples) for s in shares][:2] == [(OTHER, 40), (shares[1].stage, 30)]
    assert sum(s.samples for s in shares) == 100
    assert sum(s.percent for s in shares) == pytest.approx(100.0)
    assert IDLE not in {s.stage for s in shares}


def test_site_packages_paths_are_shortened() -> None:
    frames, count = parse_collapsed(PROFILE[:1])[0]
    assert frames[-1] == "iter_errors (jsonschema/validators.py)"
    assert count == 30


def test_a_malformed_line_is_refused_with_its_number() -> None:
    with pytest.raises(BenchError, match="line 2"):
        parse_collapsed([PROFILE[0], "no count here"])


def test_a_profile_of_only_idle_threads_is_an_error() -> None:
    with pytest.raises(BenchError, match="no busy samples"):
        stage_shares(parse_collapsed(PROFILE[-1:]))
