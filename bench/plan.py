"""What one benchmark run measures and for how long: the full and the quick plan."""

from __future__ import annotations

from dataclasses import dataclass

from bench.errors import BenchError

# `profile` runs only when the pipeline misses a load bar (py-spy under the same load).
PARTS = ("load", "durability", "profile", "metrics", "generation", "contract")


@dataclass(frozen=True)
class BenchPlan:
    """Durations, repetitions and parts of one run."""

    quick: bool
    parts: tuple[str, ...]
    connections: int
    warmup_s: float
    duration_s: float
    repetitions: int
    # Server on CPU 0, wrk on CPU 1. Off by default: on a shared 2-core box,
    # pinning made repetitions spread more (other work landed on the pinned
    # core and could not be escaped); see README "Performance".
    pin_cpus: bool
    service_counts: tuple[int, ...]
    render_repetitions: int
    # The contract part reads the phases of this earlier run's evidence instead of
    # starting its own (CI's smoke reuses the contract run it has just made).
    contract_evidence: str | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.parts) - set(PARTS))
        if unknown:
            raise BenchError(f"unknown part(s) {unknown}; choose from {list(PARTS)}")
        if self.repetitions < 1 or self.duration_s <= 0 or self.connections < 1:
            raise BenchError("repetitions, duration and connections must be positive")


def make_plan(
    *,
    quick: bool,
    parts: tuple[str, ...] = PARTS,
    pin_cpus: bool = False,
    contract_evidence: str | None = None,
) -> BenchPlan:
    """Return the full plan (about 6-8 minutes) or the quick one (about 2)."""
    if quick:
        return BenchPlan(
            quick=True,
            parts=parts,
            connections=64,
            warmup_s=1.0,
            duration_s=3.0,
            repetitions=3,
            pin_cpus=pin_cpus,
            service_counts=(1, 10, 100),
            render_repetitions=200,
            contract_evidence=contract_evidence,
        )
    return BenchPlan(
        quick=False,
        parts=parts,
        connections=64,
        warmup_s=2.0,
        duration_s=6.0,
        repetitions=5,
        pin_cpus=pin_cpus,
        service_counts=(1, 10, 100),
        render_repetitions=1000,
        contract_evidence=contract_evidence,
    )
