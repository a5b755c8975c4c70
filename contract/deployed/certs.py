"""A throwaway CA and a 127.0.0.1 server certificate it signs (openssl CLI), for a local front."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from contract.errors import HarnessError


@dataclass(frozen=True)
class Certificates:
    """The CA a client must trust and the server's certificate and key."""

    ca: Path
    cert: Path
    key: Path


def _openssl(folder: Path, *args: str) -> None:
    done = subprocess.run(
        ["openssl", *args], cwd=folder, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise HarnessError("tls", f"openssl {args[0]} failed: {done.stderr.strip()}")


def make_certificates(folder: Path) -> Certificates:
    """Make the CA and a server certificate for IP 127.0.0.1 valid one day, under folder."""
    if shutil.which("openssl") is None:
        raise HarnessError("tls", "the openssl CLI is needed to make the local front's certificate")
    folder.mkdir(parents=True, exist_ok=True)
    _openssl(
        folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=techno-ops local CA", "-keyout", "ca.key", "-out", "ca.pem",
    )  # fmt: skip
    _openssl(
        folder, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr",
    )  # fmt: skip
    (folder / "san.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", encoding="utf-8"
    )
    _openssl(
        folder, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "server.pem",
    )  # fmt: skip
    return Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
