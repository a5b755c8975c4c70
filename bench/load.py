"""Load every variant with wrk, interleaving repetitions so noise hits them all alike."""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.errors import BenchError
from bench.load_variants import REQUEST_BODY, Variant
from bench.processes import RunningServer, pinned, running_server
from bench.wrk_output import WrkResult
from bench.wrk_runner import LoadShape, run_wrk

SERVER_CPU = 0
WRK_CPU = 1

Progress = Callable[[str], None]


def probe(server: RunningServer, variant: Variant) -> None:
    """Send one request and fail unless it answers 200 with a JSON object."""
    headers = {"Content-Type": "application/json"}
    if variant.api_key:
        headers["X-API-KEY"] = variant.api_key
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        server.base_url + "/process", data=REQUEST_BODY.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise BenchError(
            f"{variant.label}: POST /process answered {exc.code} before the load "
            f"(body {exc.read()[:500]!r}); log {server.log_path}"
        ) from None
    if not isinstance(answer, dict):
        raise BenchError(f"{variant.label}: POST /process did not answer a JSON object")


@dataclass(frozen=True)
class LoadRun:
    """Every variant's measured repetitions and its warm-up run."""

    measured: dict[str, list[WrkResult]]
    warmup: dict[str, WrkResult]

    def requests_sent(self, name: str) -> int:
        """Return every request wrk sent to a variant (warm-up, repetitions, and the probe)."""
        return self.warmup[name].requests + sum(r.requests for r in self.measured[name]) + 1


def run_load(
    variants: Sequence[Variant],
    shape: LoadShape,
    *,
    warmup_s: float,
    repetitions: int,
    log_dir: Path,
    progress: Progress,
) -> LoadRun:
    """Start every variant, warm each up, then run repetitions in rotating order."""
    server_cpu = SERVER_CPU if shape.cpu is not None else None
    results: dict[str, list[WrkResult]] = {v.name: [] for v in variants}
    warmups: dict[str, WrkResult] = {}
    with contextlib.ExitStack() as stack:
        servers: dict[str, RunningServer] = {}
        for variant in variants:
            servers[variant.name] = stack.enter_context(
                running_server(
                    variant.name,
                    pinned(variant.argv, server_cpu),
                    port=variant.port,
                    env={**os.environ, **variant.env},
                    log_dir=log_dir,
                )
            )
            probe(servers[variant.name], variant)
        warmup = LoadShape(shape.connections, shape.threads, warmup_s, shape.cpu)
        for variant in variants:
            progress(f"warm-up {variant.label} ({warmup_s:g}s)")
            warmups[variant.name] = run_wrk(
                _url(servers[variant.name]), warmup, body=REQUEST_BODY, api_key=variant.api_key
            )
        for rep in range(repetitions):
            # Rotate the order so no variant always runs first or last.
            order = [*variants[rep % len(variants) :], *variants[: rep % len(variants)]]
            for variant in order:
                result = run_wrk(
                    _url(servers[variant.name]), shape, body=REQUEST_BODY, api_key=variant.api_key
                )
                results[variant.name].append(result)
                progress(
                    f"rep {rep + 1}/{repetitions} {variant.label}: "
                    f"{result.requests_per_s:,.0f} req/s, p99 {result.p99_ms:.1f} ms, "
                    f"failures {result.failures}"
                )
    return LoadRun(results, warmups)


def _url(server: RunningServer) -> str:
    return server.base_url + "/process"


def raw_runs(results: dict[str, list[WrkResult]]) -> dict[str, list[dict[str, float]]]:
    """Return every repetition's numbers, for the JSON."""
    return {name: [asdict(r) for r in runs] for name, runs in results.items()}
