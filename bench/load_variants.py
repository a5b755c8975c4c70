"""The servers the load benchmark compares, each in its best production configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import BenchError

# The request every variant answers: the cheapest real action, allowed for operators.
REQUEST_BODY = json.dumps(
    {"action": "echo", "context_id": "default", "payload": {"message": "hello from wrk"}},
    separators=(",", ":"),
)
# High enough that the token bucket runs on every request but never denies one.
UNLIMITED_RATE_PER_MINUTE = "1000000"


@dataclass(frozen=True)
class Variant:
    """One server to load: how to start it and which key its requests carry."""

    name: str
    label: str
    port: int
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    api_key: str | None = field(default=None, repr=False)
    audit_path: Path | None = None


def _python_module(module: str, *args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", module, *args)


def bare_aiohttp(port: int) -> Variant:
    """Return the bare aiohttp handler: parse the body, answer a small JSON."""
    return Variant(
        name="bare_aiohttp",
        label="bare aiohttp",
        port=port,
        argv=_python_module("bench.servers.bare_aiohttp", "--port", str(port)),
    )


def service_env(data_dir: Path, port: int, audit_path: Path, durability: str) -> dict[str, str]:
    """Return the TECHNO_* environment of a production-mode service on a loopback port."""
    return {
        "TECHNO_MODE": "production",
        "TECHNO_HOST": "127.0.0.1",
        "TECHNO_PORT": str(port),
        "TECHNO_DATA_DIR": str(data_dir),
        "TECHNO_AUDIT_PATH": str(audit_path),
        "TECHNO_AUDIT_DURABILITY": durability,
        "TECHNO_RATE_LIMIT_PER_MINUTE": UNLIMITED_RATE_PER_MINUTE,
    }


def create_operator_key(data_dir: Path) -> str:
    """Create an operator key with the service's own CLI and return its secret."""
    env = {**os.environ, "TECHNO_MODE": "production", "TECHNO_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        _python_module(
            "service", "keys", "create", "--role", "operator", "--name", "bench", "--json"
        ),
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        raise BenchError(
            f"`python -m service keys create` exited {done.returncode}: "
            f"{done.stderr.strip()[-2000:]}"
        )
    try:
        secret = json.loads(done.stdout)["api_key"]
    except (ValueError, KeyError, TypeError):
        raise BenchError(
            "`python -m service keys create --json` printed no `api_key` field"
        ) from None
    if not isinstance(secret, str) or not secret:
        raise BenchError("`python -m service keys create --json` returned an empty api_key")
    return secret


def pipeline(port: int, data_dir: Path, api_key: str, *, durability: str = "buffered") -> Variant:
    """Return the real service (`python -m service serve`) with audit and metrics on."""
    audit_path = data_dir / f"audit-{durability}.jsonl"
    suffix = "" if durability == "buffered" else f"_{durability}"
    return Variant(
        name=f"pipeline{suffix}",
        label=f"pipeline ({durability} audit)",
        port=port,
        argv=_python_module("bench.servers.pipeline"),
        env=service_env(data_dir, port, audit_path, durability),
        api_key=api_key,
        audit_path=audit_path,
    )


def fastapi_twin(port: int, data_dir: Path, api_key: str) -> Variant:
    """Return the FastAPI + uvicorn twin of the same gated pipeline."""
    audit_path = data_dir / "audit-fastapi.jsonl"
    return Variant(
        name="fastapi_twin",
        label="FastAPI twin",
        port=port,
        argv=_python_module("bench.fastapi_twin"),
        env=service_env(data_dir, port, audit_path, "buffered"),
        api_key=api_key,
        audit_path=audit_path,
    )
