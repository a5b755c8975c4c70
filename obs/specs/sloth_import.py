"""Map Sloth `prometheus/v1` SLO specs to catalog SLO entries."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import promql_parser

from obs.specs.documents import read_documents
from obs.specs.entries import build_entry, catalog_name
from obs.specs.errors import DocRef
from obs.specs.queries import counter_of, latency_fields, parse_query, ratio_fields

VERSION = "prometheus/v1"
# Sloth's default `--default-slo-period`; its spec has no field for the period.
SLOTH_PERIOD = "30d"


def import_sloth(path: Path, service: str) -> list[dict[str, Any]]:
    """Return the catalog entries of every SLO in a Sloth spec file."""
    entries: list[dict[str, Any]] = []
    for ref, doc in read_documents(path):
        if doc.get("version") != VERSION:
            raise ref.error("version", f"must be {VERSION!r}, got {doc.get('version')!r}")
        if doc.get("service") != service:
            raise ref.error("service", f"the catalog describes service {service!r} only")
        slos = doc.get("slos")
        if not isinstance(slos, list) or not slos:
            raise ref.error("slos", "must be a non-empty list")
        entries.extend(_entry(ref, slo, f"slos[{index}]") for index, slo in enumerate(slos))
    return entries


def _entry(ref: DocRef, slo: Any, at: str) -> dict[str, Any]:
    if not isinstance(slo, dict):
        raise ref.error(at, "must be a mapping")
    name = catalog_name(slo.get("name"), ref, f"{at}.name")
    objective = slo.get("objective")
    if isinstance(objective, bool) or not isinstance(objective, int | float):
        raise ref.error(f"{at}.objective", f"must be a percentage, got {objective!r}")
    if not 0 < objective < 100:
        raise ref.error(f"{at}.objective", f"must be between 0 and 100, got {objective!r}")
    description = slo.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ref.error(f"{at}.description", "is required: every catalog SLO says what it counts")
    sli = slo.get("sli") or {}
    for other in ("raw", "plugin"):
        if other in sli:
            raise ref.error(
                f"{at}.sli.{other}",
                "only sli.events maps: the catalog counts error and total events itself",
            )
    if not isinstance(sli.get("events"), dict):
        raise ref.error(f"{at}.sli.events", "is required (error_query and total_query)")
    alerting = slo.get("alerting") or {}
    for alert in ("page_alert", "ticket_alert"):
        if (alerting.get(alert) or {}).get("disable"):
            raise ref.error(
                f"{at}.alerting.{alert}.disable", "the catalog always generates page and ticket"
            )
    return build_entry(
        name,
        _events(ref, sli["events"], f"{at}.sli.events"),
        description=" ".join(description.split()),
        # Decimal keeps 99.9 / 100 at 0.999 rather than 0.9990000000000001.
        objective=float(Decimal(str(objective)) / 100),
        period=SLOTH_PERIOD,
    )


def _events(ref: DocRef, events: dict[str, Any], at: str) -> dict[str, Any]:
    total_field, error_field = f"{at}.total_query", f"{at}.error_query"
    total = counter_of(parse_query(events.get("total_query"), ref, total_field), ref, total_field)
    error = parse_query(events.get("error_query"), ref, error_field)
    # Latency in Sloth reads "all requests minus the fast ones": count - bucket{le=T}.
    if isinstance(error, promql_parser.BinaryExpr) and str(error.op) == "-":
        whole = counter_of(error.lhs, ref, error_field)
        if whole != total:
            raise ref.error(error_field, "the minuend must count what total_query counts")
        good = counter_of(error.rhs, ref, error_field)
        return {"kind": "latency", **latency_fields(ref, good, total, error_field)}
    bad = counter_of(error, ref, error_field)
    return ratio_fields(ref, total, bad=bad, field=error_field)
