"""A sweep of hostile requests: every one gets a documented 4xx envelope, never a 500."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

ESCAPED_NUL = b'{"action":"echo","context_id":"default","payload":{"message":"\\u0000"}}'
VALID = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}


def corpus() -> list[tuple[str, bytes]]:
    rng = random.Random(7)
    bodies: list[tuple[str, bytes]] = [
        ("binary", bytes(rng.randrange(256) for _ in range(300))),
        ("deep-object", b'{"a":' * 5000 + b"1" + b"}" * 5000),
        ("huge-number", b'{"action":"echo","context_id":"default","payload":{"message":1e999999}}'),
        ("dup-keys", b'{"action":"echo","action":"x","context_id":"default","payload":{}}'),
        ("bom", b'\xef\xbb\xbf{"action":"echo"}'),
        ("utf16", json.dumps(VALID).encode("utf-16")),
        ("many-keys", json.dumps({**VALID, "payload": {str(i): i for i in range(3000)}}).encode()),
        ("wrong-types", json.dumps({"action": [], "context_id": {}, "payload": []}).encode()),
        ("null-payload", json.dumps({**VALID, "payload": None}).encode()),
        ("bool-action", json.dumps({**VALID, "action": True}).encode()),
        ("empty-strings", json.dumps({"action": "", "context_id": "", "payload": {}}).encode()),
        ("escaped-nul", ESCAPED_NUL),
    ]
    for index in range(20):
        raw = bytearray(json.dumps(VALID).encode())
        for _ in range(3):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        bodies.append((f"mutated-{index}", bytes(raw)))
    return bodies


@pytest.mark.parametrize(("name", "body"), corpus(), ids=[name for name, _ in corpus()])
async def test_hostile_bodies_get_a_4xx_envelope(service: Any, name: str, body: bytes) -> None:
    key = await service.issue_key("admin")
    response = await service.client.post(
        "/process", data=body, headers={"X-API-KEY": key, "Content-Type": "application/json"}
    )
    text = await response.text()
    assert response.status < 500, text
    assert "Traceback" not in text
    if response.status != 200:
        assert set(json.loads(text)) == {"error", "trace_id", "reason_codes", "message"}


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-KEY": "x" * 8000},
        {"Authorization": "Bearer " + "\u00e9" * 10},
        {"X-API-KEY": "key_0123456789abcdef.", "Content-Type": "application/json; charset=latin-1"},
        {"Content-Type": "application/json", "Content-Length": "99999999"},
    ],
)
async def test_hostile_headers_get_a_4xx_envelope(service: Any, headers: dict[str, str]) -> None:
    response = await service.client.post("/process", data=b"{}", headers=headers)
    assert 400 <= response.status < 500
    assert (await response.json())["reason_codes"]
