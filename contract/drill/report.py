"""The drill's section of the run summary: one row per alert, times and receiver."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.drill.plan import AlertExpectation
from contract.drill.verdict import AlertResult


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def drill_rows(
    plan: Mapping[str, AlertExpectation], results: Mapping[str, AlertResult]
) -> list[dict[str, Any]]:
    """Return one row per planned alert, in catalog order (times in seconds)."""
    rows = []
    for name, expected in plan.items():
        result = results.get(name)
        row: dict[str, Any] = {
            "alert": name,
            "severity": expected.severity,
            "condition": expected.condition,
            "receiver_expected": expected.receiver,
            "bound_s": round(expected.bound.total, 2),
            "resolve_bound_s": round(expected.resolve_bound, 2),
            "inhibited_by": list(expected.inhibited_by),
            "drilled": result is not None,
        }
        if result is not None:
            row.update(
                receiver=result.delivered_receiver,
                pending_s=result.since_applied(result.pending),
                firing_s=result.since_applied(result.firing),
                delivered_s=result.since_applied(result.delivered),
                resolved_delivered_s=result.since_removed(result.resolved_delivered),
                held_by_inhibition=result.held_by_inhibition,
                problems=[text for _, text in result.problems],
            )
        rows.append(row)
    return rows


def render_drill(drill: Mapping[str, Any]) -> list[str]:
    """Render the Fire drill section of summary.md."""
    rows: list[dict[str, Any]] = drill.get("alerts") or []
    drilled = [r for r in rows if r["drilled"]]
    ok = [r for r in drilled if not r.get("problems")]
    lines = [
        "",
        "## Fire drill",
        "",
        f"**{len(drilled)} of {len(rows)} alerts drilled**, {len(ok)} without a problem; "
        f"time scale 1/{drill.get('scale')} (every range and `for` divided by it; "
        f"scrape {drill.get('scrape_interval')}, evaluation {drill.get('evaluation_interval')}).",
        "",
        "Times are seconds after the condition was applied; *resolved* is seconds after it "
        "was removed. *bound* = scrape + evaluation + `for` + group_wait + the shortest window.",
        "",
        "| alert | severity → receiver | condition | pending | firing | delivered | bound "
        "| resolved delivered | resolve bound |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r["drilled"]:
            lines.append(
                f"| {r['alert']} | {r['severity']} → {r['receiver_expected']} | "
                f"{r['condition']} | NOT VERIFIED (not drilled in this run) | | | | | |"
            )
            continue
        receiver = r.get("receiver") or "none"
        held = f" (held by {', '.join(r['inhibited_by'])})" if r["inhibited_by"] else ""
        lines.append(
            f"| {r['alert']} | {r['severity']} → {receiver} | {r['condition']} | "
            f"{_seconds(r['pending_s'])} | {_seconds(r['firing_s'])} | "
            f"{_seconds(r['delivered_s'])}{held} | {r['bound_s']:g} | "
            f"{_seconds(r['resolved_delivered_s'])} | {r['resolve_bound_s']:g} |"
        )
    problems = [f"- {r['alert']}: {p}" for r in drilled for p in r.get("problems") or []]
    problems += [f"- {p}" for p in drill.get("problems") or []]
    if problems:
        lines += ["", "Drill problems:", "", *problems]
    return lines
