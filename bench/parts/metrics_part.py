"""`/metrics` render time of the service's registry after load, against a one-counter registry."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry, Counter, generate_latest

from bench.load_variants import REQUEST_BODY, create_operator_key
from bench.plan import BenchPlan
from bench.report.figures import Figure, PartResult
from bench.stats import median, ratio

# Requests sent through the real app first, so every histogram and counter the
# scrape renders has moved off zero as it would in production.
LOAD_REQUESTS = 500
LOAD_CONCURRENCY = 32


def time_render(registry: CollectorRegistry, repetitions: int) -> list[float]:
    """Return the seconds each of `repetitions` renders of the text exposition took."""
    samples: list[float] = []
    for _ in range(repetitions):
        started = time.perf_counter()
        generate_latest(registry)
        samples.append(time.perf_counter() - started)
    return samples


def bare_registry() -> CollectorRegistry:
    """Return the baseline: a registry holding one incremented counter and nothing else."""
    registry = CollectorRegistry(auto_describe=True)
    Counter("bench_requests", "Requests.", registry=registry).inc()
    return registry


async def _loaded_service_registry(data_dir: Path, api_key: str) -> CollectorRegistry:
    """Build the real app on a fresh registry and push LOAD_REQUESTS through it."""
    from service.http.app import create_app  # imported late: only this part needs the service
    from service.settings import Settings

    settings = Settings.from_env(
        {},
        mode="production",
        data_dir=data_dir,
        audit_durability="buffered",
        rate_limit_per_minute=1_000_000,
    )
    registry = CollectorRegistry(auto_describe=True)
    headers = {"X-API-KEY": api_key, "Content-Type": "application/json"}
    async with TestClient(TestServer(create_app(settings, registry=registry))) as client:
        semaphore = asyncio.Semaphore(LOAD_CONCURRENCY)

        async def one() -> int:
            async with (
                semaphore,
                client.post("/process", data=REQUEST_BODY, headers=headers) as response,
            ):
                return response.status

        statuses = await asyncio.gather(*(one() for _ in range(LOAD_REQUESTS)))
    failed = [s for s in statuses if s != 200]
    if failed:
        raise RuntimeError(f"service answered {len(failed)} non-200 during the metrics warm-up")
    return registry


def measure_metrics(
    plan: BenchPlan, out_dir: Path, progress: Callable[[str], None]
) -> list[PartResult]:
    """Time both renders `plan.render_repetitions` times and report the median ratio."""
    data_dir = out_dir / "work-metrics"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        progress(
            f"metrics: {LOAD_REQUESTS} requests through the app, then "
            f"{plan.render_repetitions} renders each"
        )
        service = asyncio.run(_loaded_service_registry(data_dir, create_operator_key(data_dir)))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    baseline = bare_registry()
    # Interleave in blocks so drift from other load on the machine hits both alike.
    service_samples: list[float] = []
    baseline_samples: list[float] = []
    block = max(1, plan.render_repetitions // 10)
    for _ in range(10):
        service_samples += time_render(service, block)
        baseline_samples += time_render(baseline, block)
    service_s, baseline_s = median(service_samples), median(baseline_samples)
    service_text, baseline_text = generate_latest(service), generate_latest(baseline)
    return [
        PartResult(
            "metrics",
            figures=[
                Figure(
                    "metrics",
                    "/metrics render time (all label combinations, after load)",
                    ratio(service_s, baseline_s),
                    "x",
                    "one-counter registry",
                )
            ],
            raw={
                "service_render_median_s": service_s,
                "baseline_render_median_s": baseline_s,
                "service_samples": _series_count(service_text),
                "baseline_samples": _series_count(baseline_text),
                "service_bytes": len(service_text),
                "repetitions": len(service_samples),
            },
        )
    ]


def _series_count(exposition: bytes) -> int:
    return sum(1 for line in exposition.splitlines() if line and not line.startswith(b"#"))
