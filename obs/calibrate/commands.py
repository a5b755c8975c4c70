"""`python -m obs calibrate`: measure a backend in load steps, write the baseline, propose."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from obs.calibrate.baseline import baseline_document, write_baseline
from obs.calibrate.catalog_edit import apply_proposals, validated
from obs.calibrate.load import LoadRefused, paced_load, require_loopback
from obs.calibrate.measure import MetricsSource, StepResult, sampled, step_result
from obs.calibrate.rules import CalibrationError, Policy, Proposal, propose, threshold_problems
from obs.catalog import Catalog, load_catalog
from obs.catalog.alert_kinds import QuantileAbove, RateAbove
from obs.catalog.drill import FLOOD_MARGIN, FLOOD_RATE_RPS, SLOW_UPSTREAM_SECONDS
from obs.specs.entries import unified_diff, write_atomically

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "calibration"
ECHO_BODY = json.dumps(
    {"action": "echo", "context_id": "default", "payload": {"message": "calibrate"}}
).encode()
BAR_WIDTH = 24
CALIBRATED_ALERTS = ("HighRequestVolume", "HighLatencyP95")


def add_calibrate(commands: Any) -> None:
    """Register `calibrate` on the obs parser."""
    parser = commands.add_parser(
        "calibrate",
        help="load a loopback backend in steps to saturation; propose thresholds from it",
        description=__doc__,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="a running backend on loopback (default: start one)")
    parser.add_argument(
        "--api-key-file", type=Path, help="file holding an operator API key (with --url)"
    )
    parser.add_argument("--pid", type=int, help="the backend's pid, for CPU and memory")
    parser.add_argument(
        "--body-file",
        type=Path,
        help="the POST /process body to send (default: an echo action); its action must be "
        "one the key's role may run",
    )
    parser.add_argument("--prometheus", help="read the histogram through this Prometheus")
    parser.add_argument("--scrape-wait", type=float, default=2.0, help="seconds (Prometheus)")
    parser.add_argument("--start-rps", type=float, default=50.0)
    parser.add_argument("--factor", type=float, default=1.6, help="each step offers this x more")
    parser.add_argument("--max-rps", type=float, default=8000.0)
    parser.add_argument("--step-seconds", type=float, default=6.0)
    parser.add_argument("--volume-share", type=float, default=Policy.volume_share)
    parser.add_argument("--p95-margin", type=float, default=Policy.p95_margin)
    parser.add_argument("--p99-margin", type=float, default=Policy.p99_margin)
    parser.add_argument("--latency-floor-ms", type=float, default=Policy.latency_floor_s * 1000)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="where baseline.json and baseline.png go"
    )
    parser.add_argument(
        "--apply", action="store_true", help="write the proposed thresholds into the catalog"
    )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _bar(done: int, total: int) -> str:
    filled = round(BAR_WIDTH * done / total) if total else 0
    return "[" + "#" * filled + "." * (BAR_WIDTH - filled) + f"] {done}/{total}"


def plan_rates(start: float, factor: float, ceiling: float) -> list[float]:
    """Return the offered rates: start, start*factor, ... up to ceiling (both bounded)."""
    if start <= 0 or factor <= 1 or ceiling < start:
        raise CalibrationError("--start-rps must be > 0, --factor > 1, --max-rps >= --start-rps")
    rates = [start]
    while rates[-1] * factor <= ceiling:
        rates.append(round(rates[-1] * factor, 1))
    return rates


@contextlib.contextmanager
def _backend(args: argparse.Namespace) -> Iterator[tuple[str, str, int | None, dict[str, Any]]]:
    """Yield (url, api key, pid, description) of the backend to load."""
    if args.url:
        require_loopback(args.url)
        if args.api_key_file is None:
            raise CalibrationError("--url needs --api-key-file (an operator key; never printed)")
        key = args.api_key_file.read_text(encoding="utf-8").strip()
        yield args.url.rstrip("/"), key, args.pid or _listening_pid(args.url), {"url": args.url}
        return
    # Started here exactly as the bench starts the service: production mode, loopback, the
    # rate limit out of the way (it would measure the limiter, not the capacity).
    from bench.load_variants import create_operator_key, service_env
    from bench.processes import free_port, running_server

    with tempfile.TemporaryDirectory(prefix="techno-calibrate-") as scratch:
        data = Path(scratch)
        key = create_operator_key(data)
        port = free_port()
        env = service_env(data, port, data / "audit.jsonl", "buffered")
        argv = (sys.executable, "-m", "service", "serve")
        with running_server("backend", argv, port=port, env=env, log_dir=data) as server:
            described = {
                "started": "python -m service serve",
                "mode": "production",
                "audit_durability": "buffered",
                "rate_limit": "out of the way",
            }
            yield server.base_url, key, server.pid, described


def _body(path: Path) -> bytes:
    raw = path.read_bytes()
    try:
        json.loads(raw)
    except ValueError as exc:
        raise CalibrationError(f"--body-file {path}: not JSON: {exc}") from None
    return raw


def _listening_pid(url: str) -> int | None:
    """Find the local process listening on the URL's port (CPU and memory need it)."""
    import psutil  # the calibrate dependency group: `python -m obs` runs without it

    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with contextlib.suppress(psutil.AccessDenied):
        for conn in psutil.net_connections("tcp"):
            address = conn.laddr
            if conn.status != psutil.CONN_LISTEN or not conn.pid or not address:
                continue
            if getattr(address, "port", None) == port:
                return int(conn.pid)
    return None


def measure_steps(
    url: str,
    key: str,
    pid: int | None,
    source: MetricsSource,
    rates: list[float],
    seconds: float,
    body: bytes = ECHO_BODY,
) -> list[StepResult]:
    """Run each step in turn; stop after the first saturated one."""
    from obs.calibrate.rules import is_healthy

    headers = {"Content-Type": "application/json", "X-API-KEY": key}
    steps: list[StepResult] = []
    for index, rate in enumerate(rates, start=1):
        before = source.cumulative()
        with sampled(pid) as usage:
            load = paced_load(url + "/process", body, headers, rate=rate, seconds=seconds)
        counts = source.between(before, load.elapsed)
        cpu, rss = usage()
        step = step_result(load, counts, cpu, rss, source.name)
        steps.append(step)
        state = "healthy" if is_healthy(step) else "SATURATED"
        _say(
            f"{_bar(index, len(rates))} offered {rate:g} req/s: answered "
            f"{step.throughput_rps:g}/s, p95 {step.p95_s * 1000:.2f} ms, p99 "
            f"{step.p99_s * 1000:.2f} ms, errors {step.error_ratio:.2%}, cpu "
            f"{step.cpu_percent:g}% ({state})"
        )
        if not is_healthy(step):
            break
    return steps


def current_thresholds(catalog: Catalog) -> dict[tuple[str, str], float]:
    """Return the catalog's calibrated thresholds as proposals name them."""
    found: dict[tuple[str, str], float] = {}
    for alert in catalog.alerts:
        rule = alert.rule
        if alert.name in CALIBRATED_ALERTS and isinstance(rule, RateAbove | QuantileAbove):
            found[(f"alert {alert.name}", "threshold")] = float(rule.threshold)
    for slo in catalog.slos:
        if slo.name == "latency" and slo.threshold_seconds is not None:
            found[("slo latency", "threshold_seconds")] = float(slo.threshold_seconds)
    missing = {
        ("alert HighRequestVolume", "threshold"),
        ("alert HighLatencyP95", "threshold"),
        ("slo latency", "threshold_seconds"),
    } - set(found)
    if missing:
        raise CalibrationError(
            "the catalog lacks what calibration sets: "
            + ", ".join(f"{t} {f}" for t, f in sorted(missing))
        )
    return found


def run_calibrate(args: argparse.Namespace) -> int:
    """Measure, write baseline.json and baseline.png, print the catalog diff, maybe apply."""
    catalog = load_catalog(args.catalog)
    policy = Policy(
        args.volume_share, args.p95_margin, args.p99_margin, args.latency_floor_ms / 1000
    )
    try:
        current = current_thresholds(catalog)
        body = ECHO_BODY if args.body_file is None else _body(args.body_file)
        rates = plan_rates(args.start_rps, args.factor, args.max_rps)
        with _backend(args) as (url, key, pid, target):
            source = MetricsSource(url, args.prometheus, args.scrape_wait)
            _say(
                f"calibrating {url} in up to {len(rates)} steps of {args.step_seconds:g}s "
                f"({rates[0]:g} to {rates[-1]:g} req/s), histogram from {source.name}"
            )
            steps = measure_steps(url, key, pid, source, rates, args.step_seconds, body)
        buckets = catalog.metric("techno_http_request_duration_seconds").buckets
        proposals = propose(
            steps,
            buckets=buckets,
            current=current,
            policy=policy,
            flood_rate=FLOOD_RATE_RPS,
            flood_margin=FLOOD_MARGIN,
        )
    except (CalibrationError, LoadRefused, ValueError, OSError) as exc:
        _say(f"error: {exc}")
        return 2
    from bench.machine import describe_machine
    from obs.calibrate.chart import draw

    document = baseline_document(
        steps,
        proposals,
        policy=policy,
        target=target,
        machine=describe_machine(),
        root=args.catalog.parent.parent,
    )
    write_baseline(args.out / "baseline.json", document)
    draw(steps, proposals, args.out / "baseline.png")
    _say(f"wrote {args.out / 'baseline.json'} and {args.out / 'baseline.png'}")
    return _report(args, proposals, steps)


def _report(args: argparse.Namespace, proposals: list[Proposal], steps: list[StepResult]) -> int:
    for proposal in proposals:
        _say(
            f"{proposal.target} {proposal.field}: {proposal.current:g} -> "
            f"{proposal.proposed:g}  ({proposal.rule})"
        )
    problems = threshold_problems(
        {(p.target, p.field): p.proposed for p in proposals},
        steps,
        flood_rate=FLOOD_RATE_RPS,
        flood_margin=FLOOD_MARGIN,
        slow_upstream_s=SLOW_UPSTREAM_SECONDS,
    )
    for problem in problems:
        _say(f"error: {problem}")
    old = args.catalog.read_text(encoding="utf-8")
    new = validated(args.catalog, apply_proposals(old, proposals))
    sys.stdout.write(unified_diff(args.catalog, old, new, label="calibrated"))
    if problems:
        return 1
    if args.apply and new != old:
        write_atomically(args.catalog, new)
        _say(f"applied to {args.catalog}: run `python -m obs generate` next")
    elif not args.apply:
        _say("nothing changed: re-run with --apply to write this diff into the catalog")
    return 0 if all(math.isfinite(p.proposed) for p in proposals) else 1
