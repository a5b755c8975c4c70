"""Profile one gated variant under the same wrk load with py-spy and split it into stages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import load_variants
from bench.errors import BenchError
from bench.load_variants import REQUEST_BODY, Variant
from bench.processes import free_port, running_server
from bench.profile_stages import parse_collapsed, stage_shares
from bench.report.figures import Figure, PartResult
from bench.wrk_runner import LoadShape, run_wrk

PROFILE_SECONDS = 8.0
SAMPLE_RATE_HZ = 250


def py_spy_binary() -> str:
    """Return py-spy from this interpreter's environment or PATH, or say how to install it."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise BenchError("py-spy is not installed: `pip install py-spy` (bench dependency group)")
    return found


def _variant(name: str, work: Path) -> Variant:
    api_key = load_variants.create_operator_key(work)
    if name == "fastapi_twin":
        return load_variants.fastapi_twin(free_port(), work, api_key)
    if name == "pipeline":
        return load_variants.pipeline(free_port(), work, api_key)
    raise BenchError(f"cannot profile {name!r}: choose pipeline or fastapi_twin")


def measure_profile(
    variant_name: str, connections: int, out_dir: Path, progress: Callable[[str], None]
) -> list[PartResult]:
    """Load the variant for PROFILE_SECONDS while py-spy samples it; report stage shares."""
    work = out_dir / f"work-profile-{variant_name}"
    work.mkdir(parents=True, exist_ok=True)
    folded = out_dir / f"profile-{variant_name}.folded"
    try:
        variant = _variant(variant_name, work)
        with running_server(
            f"profile-{variant.name}",
            variant.argv,
            port=variant.port,
            env={**os.environ, **variant.env},
            log_dir=out_dir,
        ) as server:
            url = server.base_url + "/process"
            run_wrk(
                url,
                LoadShape(connections, 1, 2.0, None),
                body=REQUEST_BODY,
                api_key=variant.api_key,
            )
            progress(f"profile: py-spy on {variant.label} for {PROFILE_SECONDS:g}s under load")
            sampler = subprocess.Popen(
                [
                    py_spy_binary(),
                    "record",
                    "--pid",
                    str(server.pid),
                    "--duration",
                    f"{PROFILE_SECONDS:g}",
                    "--rate",
                    str(SAMPLE_RATE_HZ),
                    "--format",
                    "raw",
                    "--output",
                    str(folded),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(0.5)  # let py-spy attach before the load starts
            run_wrk(
                url,
                LoadShape(connections, 1, PROFILE_SECONDS - 1.0, None),
                body=REQUEST_BODY,
                api_key=variant.api_key,
            )
            _, errors = sampler.communicate(timeout=PROFILE_SECONDS + 30)
            if sampler.returncode != 0:
                raise BenchError(
                    f"py-spy exited {sampler.returncode}: {errors.decode()[-1000:]}"
                    " (it needs ptrace: run as root or set kernel.yama.ptrace_scope=0)"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with folded.open(encoding="utf-8") as lines:
        shares = stage_shares(parse_collapsed(lines))
    figures = [
        Figure("profile", f"{variant.name}: {s.stage}", s.percent, "%", "busy server samples")
        for s in shares
    ]
    return [
        PartResult(
            "profile",
            figures=figures,
            raw={
                "variant": variant.name,
                "folded_stacks": str(folded),
                "samples_by_stage": {s.stage: s.samples for s in shares},
            },
        )
    ]
