"""`python -m service serve` as a new user runs it: TLS, a key, a call, a revoke, the audit."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.service.cli.terminal import sigint_restored

ECHO = {"action": "echo", "context_id": "default", "payload": {"message": "hello"}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.fail("the openssl CLI is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """Run `python -m service serve` until the block ends, then stop it with SIGINT."""
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=sigint_restored,
    )
    try:
        yield server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], ssl.SSLContext]]:
    cert, key = self_signed(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "TECHNO_DATA_DIR": str(tmp_path / "var"),
        "TECHNO_PORT": str(port),
        "TECHNO_TLS_CERT": str(cert),
        "TECHNO_TLS_KEY": str(key),
        "TECHNO_MODE": "production",
    }
    context = ssl.create_default_context(cafile=str(cert))
    base = f"https://127.0.0.1:{port}"
    with serving(env) as server:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read() if server.stdout else ""
                    pytest.fail(f"server did not start:\n{output}")
                time.sleep(0.05)
        yield base, env, context


async def call(base: str, context: ssl.SSLContext, key: str) -> tuple[int, dict[str, Any], str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base}/process", json=ECHO, headers={"X-API-KEY": key}, ssl=context
        ) as response,
    ):
        return response.status, await response.json(), response.headers["X-Request-Id"]


async def test_new_user_flow_over_tls(
    tls_server: tuple[str, dict[str, str], ssl.SSLContext],
) -> None:
    base, env, context = tls_server
    # The image's HEALTHCHECK: it works with TLS on.
    health = cli(env, "healthcheck")
    assert health.returncode == 0, health.stderr
    created = cli(env, "keys", "create", "--role", "viewer", "--json")
    assert created.returncode == 0, created.stderr
    api_key = json.loads(created.stdout)["api_key"]

    status, body, trace_id = await call(base, context, api_key)
    assert status == 200 and body["result"] == {"message": "hello", "length": 5}

    revoked = cli(env, "keys", "revoke", api_key.split(".")[0])
    assert revoked.returncode == 0, revoked.stderr
    status, body, _ = await call(base, context, api_key)
    assert (status, body["reason_codes"]) == (401, ["AUTHENTICATION_INVALID_KEY"])

    audit = cli(env, "audit", trace_id)
    assert audit.returncode == 0, audit.stderr
    events = [line.split()[1] for line in audit.stdout.splitlines()]
    assert events[0] == "REQUEST_START" and events[-1] == "REQUEST_END"
    assert "EXECUTOR_SELECTED" in events
    assert api_key.split(".")[1] not in audit.stdout


def test_healthcheck_fails_when_nothing_answers(tmp_path: Path) -> None:
    env = {**os.environ, "TECHNO_DATA_DIR": str(tmp_path / "var"), "TECHNO_PORT": str(free_port())}
    result = cli(env, "healthcheck")
    assert result.returncode == 1
    assert result.stderr.startswith("unhealthy: http://127.0.0.1:")


def test_serve_refuses_unsafe_production_settings(tmp_path: Path) -> None:
    env = {**os.environ, "TECHNO_MODE": "production", "TECHNO_DEBUG": "1"}
    env.pop("TECHNO_DATA_DIR", None)
    env.pop("TECHNO_DB_PATH", None)
    result = cli(env, "serve")
    assert result.returncode == 2
    assert result.stderr.startswith("error: TECHNO_")
    assert "Traceback" not in result.stderr


def test_serve_on_a_busy_port_exits_1_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "TECHNO_DATA_DIR": str(tmp_path), "TECHNO_PORT": str(port)}
        result = cli(env, "serve")
    assert result.returncode == 1
    assert f"error: cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("loop_choice", ["asyncio", "uvloop"])
def test_serve_prints_one_startup_line_without_secrets(tmp_path: Path, loop_choice: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TECHNO_DATA_DIR": str(tmp_path / "var"),
        "TECHNO_PORT": str(port),
        "TECHNO_AUDIT_DURABILITY": "buffered",
        "TECHNO_EVENT_LOOP": loop_choice,
        "TECHNO_LLM_API_KEY": "sk-startup-line-canary",
    }
    with serving(env) as server:
        assert server.stdout is not None
        line = server.stdout.readline()
    assert f"http://127.0.0.1:{port}" in line
    assert "mode dev" in line and "audit durability buffered" in line
    assert f"key store {tmp_path / 'var' / 'techno.db'}" in line
    assert f"event loop {loop_choice}" in line
    assert "sk-startup-line-canary" not in line


def test_serve_rejects_an_unknown_event_loop(tmp_path: Path) -> None:
    env = {**os.environ, "TECHNO_DATA_DIR": str(tmp_path), "TECHNO_EVENT_LOOP": "trio"}
    result = cli(env, "serve")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: TECHNO_EVENT_LOOP: must be one of auto, asyncio, uvloop"
    )


def test_a_malformed_request_is_logged_as_one_line_without_its_headers(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TECHNO_DATA_DIR": str(tmp_path / "var"), "TECHNO_PORT": str(port)}
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve"],
            env=env,
            stdout=log_file,
            stderr=log_file,
            preexec_fn=sigint_restored,
        )
        try:
            answer = _send_raw(
                port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-API-KEY: sec\x00ret\r\n\r\n"
            )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=10)
    log = log_path.read_text()
    # A NUL inside a header value: aiohttp's parser refuses it with 400 before the app runs.
    assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer
    assert "rejected a malformed HTTP request (BadHttpMessage, status 400)" in log, log
    assert "Traceback" not in log
    assert "sec\x00ret" not in log and "ret\r" not in log


def test_malformed_http_is_answered_without_its_bytes_or_a_version_banner(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {**os.environ, "TECHNO_DATA_DIR": str(tmp_path / "var"), "TECHNO_PORT": str(port)}
    with serving(env):
        bad = _send_raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Probe: evil\x01bytes\r\n\r\n")
        bad_method = _send_raw(port, b"G<script>T / HTTP/1.1\r\nHost: x\r\n\r\n")
        good = _send_raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    for answer in (bad, bad_method):
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer
        assert b"evil" not in answer and b"script" not in answer, answer
        assert json.loads(body)["reason_codes"] == ["MALFORMED_REQUEST"]
    for answer in (bad, good):
        head = answer.partition(b"\r\n\r\n")[0].lower()
        assert b"aiohttp" not in head and b"python/" not in head, head
        assert b"\r\nserver: techno-ops" in head


def _send_raw(port: int, request: bytes) -> bytes:
    """Send raw bytes once the server listens; return its first answer."""
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(request)
                return conn.recv(4096)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
