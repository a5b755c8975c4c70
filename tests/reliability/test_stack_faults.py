"""Stack faults: the harness fails closed, names the cause, keeps evidence, leaves no process."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest

from tests.reliability.contract_runner import ContractRun, run_harness, signal_when_ready
from tests.reliability.reliability_record import RunRecord

PORT_CLASH_LAUNCHER = Path(__file__).resolve().parent / "port_clash_launcher.py"
EVIDENCE_FILES = ("summary.json", "summary.md", "progress.log")
STACK_PROCESSES = ("prometheus", "prometheus-alertmanager")


def _assert_failed_closed(run: ContractRun, *causes: str) -> str:
    """The run failed, its summary names every cause, evidence exists, nothing still runs."""
    __tracebackhide__ = True
    text = run.summary_text()
    assert run.returncode != 0, run.output[-3000:]
    assert run.summary()["result"] == "FAIL"
    missing = [cause for cause in causes if cause not in text]
    assert missing == [], f"summary.md does not name {missing}:\n{text}"
    assert all((run.evidence / name).is_file() for name in EVIDENCE_FILES)
    assert run.strays() == [], f"left running: {run.strays()}"
    failure = next(line for line in text.splitlines() if any(c in line for c in causes))
    return failure.strip()


@pytest.mark.reliability
def test_healthy_run_passes_listens_on_loopback_only_and_cleans_up(
    run_record: RunRecord, test_folder: Path
) -> None:
    run = run_harness(test_folder / "evidence")
    listening = {c.name: sorted(c.listening) for c in run.children.values() if c.listening}
    run_record.record(
        "stack_control_run",
        "tests/reliability/test_stack_faults.py::test_healthy_run_passes",
        seconds=round(run.seconds, 1),
        listening=listening,
        strays=len(run.strays()),
    )
    assert run.returncode == 0, run.output[-3000:]
    assert set(STACK_PROCESSES) <= set(listening), listening
    exposed = {name: a for name, a in listening.items() if any(not x.startswith("127.") for x in a)}
    assert exposed == {}, f"listening beyond loopback: {exposed}"
    assert run.strays() == []


@pytest.mark.reliability
@pytest.mark.parametrize(
    ("component", "process_name", "sig", "promise"),
    [
        ("prometheus", "prometheus", signal.SIGKILL, "stack_fault_prometheus_killed"),
        # SIGSTOP: the port stays open but nothing answers, like a hung or partitioned peer.
        (
            "alertmanager",
            "prometheus-alertmanager",
            signal.SIGSTOP,
            "stack_fault_alertmanager_unreachable",
        ),
    ],
)
def test_component_lost_mid_run_fails_closed(
    run_record: RunRecord,
    test_folder: Path,
    component: str,
    process_name: str,
    sig: signal.Signals,
    promise: str,
) -> None:
    run = run_harness(
        test_folder / "evidence", fault=signal_when_ready(component, process_name, sig)
    )
    cause = _assert_failed_closed(run, f"[{component}]")
    run_record.record(
        promise,
        f"tests/reliability/test_stack_faults.py::test_component_lost_mid_run_fails_closed[{component}]",
        fault=f"{sig.name} after ready",
        seconds=round(run.seconds, 1),
        cause=cause,
    )


@pytest.mark.reliability
def test_backend_port_taken_at_start_fails_closed(run_record: RunRecord, test_folder: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        run = run_harness(
            test_folder / "evidence", launcher=(str(PORT_CLASH_LAUNCHER), str(port)), extra=()
        )
    cause = _assert_failed_closed(run, "[backend]", "already in use")
    run_record.record(
        "stack_fault_backend_port_taken",
        "tests/reliability/test_stack_faults.py::test_backend_port_taken_at_start_fails_closed",
        seconds=round(run.seconds, 1),
        cause=cause,
    )
    assert str(port) in cause
