"""The drill's chat upstream and its load engine, against each other on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from contract.drill.load import LoadEngine, RequestKind
from contract.ports import LOOPBACK, free_port
from contract.progress import Progress
from contract.runtime.base import Launch
from contract.spec import UPSTREAM, ComponentSpec, Endpoint, Rendered
from contract.upstream import FAIL, SLOW, ChatUpstream


@pytest.fixture
def upstream() -> Iterator[ChatUpstream]:
    endpoint = Endpoint(LOOPBACK, free_port())
    launch = Launch(ComponentSpec(UPSTREAM, 9096, "/-/ready"), Rendered({}), {}, 10.0)
    server = ChatUpstream(launch, Progress(), endpoint, endpoint)
    with server:
        yield server


def chat(content: str) -> str:
    return json.dumps({"model": "m", "messages": [{"role": "user", "content": content}]})


def test_the_upstream_fails_slows_or_answers_as_the_message_asks(upstream: ChatUpstream) -> None:
    url = upstream.base_url + "/v1/chat/completions"
    failed = requests.post(url, data=chat(FAIL), timeout=5)
    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "server_error"
    answer = requests.post(url, data=chat("hello"), timeout=5).json()
    assert answer["choices"][0]["message"]["content"] == "ok"
    assert set(answer["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert requests.post(url, data=chat(SLOW), timeout=5).status_code == 200
    assert dict(upstream.served) == {"drill:fail": 1, "ok": 1, "drill:slow": 1}
    assert "served: drill:fail=1, drill:slow=1, ok=1" in upstream.logs()


def test_a_stream_counts_its_answers_and_stops_when_told(upstream: ChatUpstream) -> None:
    kind = RequestKind(chat("hello"), {"Content-Type": "application/json"}, "/v1/chat/completions")
    with LoadEngine(upstream.base_url) as load:
        load.start("paced", kind, rate=40.0)
        deadline = time.monotonic() + 10
        while upstream.served["ok"] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        report = load.stop("paced")
        sent = report.sent
        time.sleep(0.3)
        assert report.sent == sent, "a stopped stream sends nothing more"
    assert report.statuses["200"] >= 5
    assert report.as_dict()["name"] == "paced"


def test_a_stream_survives_a_server_that_is_gone() -> None:
    kind = RequestKind("{}", {}, "/nowhere")
    with LoadEngine(f"http://{LOOPBACK}:{free_port()}") as load:
        load.start("dead", kind, concurrency=2)
        time.sleep(0.3)
        report = load.stop("dead")
    assert report.sent >= 1
    assert all(not status.isdigit() for status in report.statuses), report.statuses
