"""TLS end to end: the backend serves HTTPS with a certificate made here, trusted only pinned."""

from __future__ import annotations

import contextlib
import http.client
import json
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.reliability_backend import SERVE_ARGV, Backend, kill_hard
from tests.reliability.reliability_record import RunRecord, SecretRegistry

READY_TIMEOUT_S = 30.0


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """Make a throwaway CA and a server certificate for 127.0.0.1 signed by it."""
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test CA",
        "-keyout", "ca.key", "-out", "ca.pem", cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr", cwd=folder,
    )  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "server.pem", cwd=folder,
    )  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


def _get(port: int, context: ssl.SSLContext, path: str, **kwargs: str) -> tuple[int, str, str]:
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    try:
        method = "POST" if "body" in kwargs else "GET"
        headers = {
            "Content-Type": "application/json",
            **{k.replace("_", "-"): v for k, v in kwargs.items() if k != "body"},
        }
        conn.request(method, path, body=kwargs.get("body"), headers=headers)
        answer = conn.getresponse()
        answer.read()
        assert isinstance(conn.sock, ssl.SSLSocket)
        cipher = conn.sock.cipher()
        return answer.status, str(conn.sock.version()), cipher[0] if cipher else "none"
    finally:
        conn.close()


@contextlib.contextmanager
def _serving_tls(backend: Backend, pinned: ssl.SSLContext) -> Iterator[int]:
    log = (backend.folder / "backend-tls.log").open("wb")
    process = subprocess.Popen(SERVE_ARGV, env=backend.env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            assert process.poll() is None, (backend.folder / "backend-tls.log").read_text()
            with contextlib.suppress(OSError):
                if _get(backend.port, pinned, "/ready")[0] == 200:
                    break
            assert time.monotonic() < deadline, "the TLS backend never became ready"
            time.sleep(0.1)
        yield process.pid
    finally:
        kill_hard(process.pid)
        process.wait()
        log.close()


@pytest.mark.reliability
def test_backend_serves_https_with_a_pinned_self_made_ca(
    run_record: RunRecord, secret_registry: SecretRegistry, test_folder: Path
) -> None:
    ca, cert, key = make_certificates(test_folder)
    backend = Backend(
        test_folder,
        secret_registry,
        extra_env={"TECHNO_TLS_CERT": str(cert), "TECHNO_TLS_KEY": str(key)},
    )
    api_key = backend.issue_key("viewer")
    pinned = ssl.create_default_context(cafile=str(ca))
    body = json.dumps(
        {
            "action": "echo",
            "context_id": "default",
            "payload": {"message": secret_registry.marker("tls")},
        }
    )
    with _serving_tls(backend, pinned):
        status, version, cipher = _get(
            backend.port, pinned, "/process", body=body, X_API_KEY=api_key
        )
        assert status == 200
        with pytest.raises(ssl.SSLCertVerificationError):
            _get(backend.port, ssl.create_default_context(), "/health")
        plain = http.client.HTTPConnection("127.0.0.1", backend.port, timeout=5)
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            plain.request("GET", "/health")
            plain.getresponse()
        plain.close()
    run_record.record(
        "tls",
        "tests/reliability/test_tls_end_to_end.py",
        status=status,
        tls_version=version,
        cipher=cipher,
        unpinned_client="refused (certificate verify failed)",
        plain_http="refused",
    )
    assert version in ("TLSv1.2", "TLSv1.3")
