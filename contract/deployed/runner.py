"""Run every read-only check of a deployed stack once, in order; write evidence and a summary."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from contract.artifacts import ArtifactTree
from contract.deployed import checks_delivery, checks_stack
from contract.deployed.config import DeployedStack, load_stack
from contract.deployed.context import DeployedRun
from contract.deployed.http import BudgetExhausted, DeployedSession
from contract.errors import ContractViolation, HarnessError
from contract.evidence import Evidence, default_evidence_dir
from contract.progress import Progress
from contract.redact import Redactor
from contract.spec import build_stack_spec
from contract.summary import (
    RunSummary,
    ScenarioResult,
    exit_code_for,
    judge_parts,
    print_summary,
    write_summary,
)
from obs.catalog import CatalogError, load_catalog

RUNTIME = "deployed"


@dataclass(frozen=True)
class Check:
    """One read-only check: the part it proves, what it claims, and the function proving it."""

    part: str
    claim: str
    prove: Callable[[DeployedRun], str]


CHECKS: tuple[Check, ...] = (
    Check("health", "every endpoint answers health and readiness", checks_stack.health),
    Check("scrape", "every expected scrape target is up", checks_stack.scrape),
    Check("catalog", "every backend target's /metrics matches the catalog", checks_stack.catalog),
    Check("rules", "every generated rule is loaded unchanged and healthy", checks_stack.rules),
    Check("series", "every rule, panel and runbook selector selects a series", checks_stack.series),
    Check("dashboards", "every dashboard panel returns data", checks_stack.dashboards),
    Check("runbooks", "every alert links a runbook whose queries run", checks_stack.runbooks),
    Check("runbooks", "every runbook dashboard link resolves", checks_delivery.links),
    Check(
        "alertmanager", "every alert routes to the catalog's receiver", checks_delivery.alertmanager
    ),
    Check(
        "watchdog", "the Watchdog fires and is delivered without failures", checks_delivery.watchdog
    ),
    Check("grafana", "Grafana serves every generated dashboard", checks_delivery.grafana),
)
PARTS: tuple[str, ...] = tuple(dict.fromkeys(check.part for check in CHECKS))


@dataclass(frozen=True)
class DeployedOptions:
    """What `--deployed` runs with."""

    stack_file: Path
    artifacts: Path
    catalog: Path
    evidence_dir: Path | None
    skip: tuple[str, ...] = ()
    allow_drill: bool = False
    watch_seconds: float = 10.0


def refuse_drill(stack: DeployedStack, allow_drill: bool) -> str | None:
    """Return why a drill may not run against this stack (None: it is read-only, or allowed)."""
    if allow_drill and stack.production:
        return (
            f"--allow-drill refused: {stack.path} marks the stack `production: true`; "
            "a drill changes the deployed system"
        )
    return None


def run_checks(run: DeployedRun, skipped: dict[str, str]) -> list[ScenarioResult]:
    """Run every check not skipped; after the budget is gone, the rest do not run."""
    results: list[ScenarioResult] = []
    for check in CHECKS:
        if check.part in skipped:
            continue
        started = time.monotonic()
        try:
            note = check.prove(run)
        except ContractViolation as exc:
            results.append(_result(check, "failed", started, str(exc)))
            run.progress.say(check.part, f"FAILED: {check.claim}")
            if run.session.used >= run.stack.max_requests:
                break
            continue
        except (HarnessError, BudgetExhausted) as exc:
            results.append(_result(check, "failed", started, str(exc)))
            break
        results.append(_result(check, "passed", started, note))
        run.progress.say(check.part, f"ok: {note}")
    return results


def _result(check: Check, outcome: str, started: float, message: str) -> ScenarioResult:
    seconds = round(time.monotonic() - started, 3)
    return ScenarioResult(check.part, check.claim, outcome, seconds, message)  # type: ignore[arg-type]


def run_deployed(options: DeployedOptions) -> int:
    """Prove the stack STACK.yaml names; write evidence and the summary whatever happens."""
    started = time.monotonic()
    started_utc = datetime.now(UTC)
    root = options.evidence_dir or default_evidence_dir(Path("evidence"), RUNTIME, started_utc)
    evidence = Evidence(root.resolve(), Redactor())
    progress = Progress()
    progress.attach_log(evidence.path("progress.log").open("w", encoding="utf-8"))
    summary = RunSummary(
        runtime=RUNTIME,
        started_utc=started_utc.isoformat(timespec="seconds"),
        evidence_dir=str(evidence.root),
        command=shlex.join(["python", "-m", "contract", *sys.argv[1:]]),
    )
    skipped = {part: f"left out by --skip {part}" for part in options.skip}
    results: list[ScenarioResult] = []
    session: DeployedSession | None = None
    try:
        stack = load_stack(options.stack_file)
        if stack.grafana is None:
            skipped.setdefault("grafana", f"no grafana in {stack.path}")
        refusal = refuse_drill(stack, options.allow_drill)
        if refusal:
            raise HarnessError("deployed", refusal)
        skipped["drill"] = (
            "a drill against a deployed stack is not built yet"
            if options.allow_drill
            else "read-only run: a drill needs --allow-drill"
        )
        session = DeployedSession(stack, evidence)
        tree = ArtifactTree(options.artifacts)
        run = DeployedRun(
            stack=stack,
            session=session,
            catalog=load_catalog(options.catalog),
            tree=tree,
            spec=build_stack_spec(tree, include_grafana=False),
            evidence=evidence,
            progress=progress,
            watch_seconds=options.watch_seconds,
        )
        evidence.write_json("configs/stack.json", _described(stack))
        results = run_checks(run, skipped)
    except (HarnessError, CatalogError) as exc:
        summary.run_error = str(exc)
    except KeyboardInterrupt as exc:
        summary.run_error = f"interrupted ({exc or 'Ctrl-C'})"
    finally:
        parts = (*PARTS, "drill")
        summary.parts = judge_parts(
            results, skipped=skipped, run_error=summary.run_error, parts=parts
        )
        summary.exit_code = exit_code_for(summary.parts, run_error=summary.run_error, pytest_code=0)
        summary.wall_seconds = round(time.monotonic() - started, 3)
        if session is not None:
            summary.timings = {"requests used": float(session.used)}
        text = write_summary(summary, evidence)
        progress.close()
    print_summary(text, evidence)
    return summary.exit_code


def _described(stack: DeployedStack) -> dict[str, object]:
    """Return STACK.yaml as evidence: URLs and file paths, never the secrets the files hold."""
    return {
        "file": str(stack.path),
        "production": stack.production,
        "max_requests": stack.max_requests,
        "endpoints": [
            {
                "name": e.name,
                "url": e.url,
                "instance": e.instance,
                "timeout_seconds": e.timeout_seconds,
                "ca_file": str(e.tls.ca_file or ""),
                "client_cert": bool(e.tls.cert_file),
                "auth": repr(e.credentials),
            }
            for e in stack.endpoints()
        ],
    }
