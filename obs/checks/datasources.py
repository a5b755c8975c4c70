"""Dashboards point at what is provisioned: every datasource reference resolves."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DATASOURCE_PROVISIONING = "deploy/grafana/provisioning/datasources"
# Grafana's own pseudo-datasources: they are never provisioned.
BUILTIN_UIDS = frozenset({"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"})
# $var, ${var}, ${var:format} and [[var]], as the whole reference.
_VARIABLE_RE = re.compile(r"^(?:\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\])$")


@dataclass(frozen=True)
class Datasource:
    """One provisioned datasource."""

    name: str
    type: str
    uid: str


def provisioned_datasources(configs: Iterable[Mapping[str, Any]]) -> list[Datasource]:
    """Return every datasource the provisioning files declare."""
    return [
        Datasource(
            str(source.get("name", "")), str(source.get("type", "")), str(source.get("uid") or "")
        )
        for config in configs
        for source in config.get("datasources") or []
    ]


def _variable(reference: str) -> str | None:
    match = _VARIABLE_RE.match(reference)
    return next((group for group in match.groups() if group), None) if match else None


def _panels(panels: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for panel in panels:
        yield panel
        # Collapsed rows keep their panels inside the row.
        yield from _panels(panel.get("panels") or [])


def datasource_references(dashboard: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Yield (where, reference) for every datasource field of panels, targets, variables and
    annotations."""
    for panel in _panels(dashboard.get("panels") or []):
        where = f"panel {panel.get('title') or panel.get('id')!r}"
        if "datasource" in panel:
            yield where, panel["datasource"]
        for target in panel.get("targets") or []:
            if "datasource" in target:
                yield f"{where} target {target.get('refId', '?')}", target["datasource"]
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        if "datasource" in variable:
            yield f"variable ${variable.get('name')}", variable["datasource"]
    for annotation in (dashboard.get("annotations") or {}).get("list") or []:
        if "datasource" in annotation:
            yield f"annotation {annotation.get('name')!r}", annotation["datasource"]


@dataclass(frozen=True)
class _Resolver:
    """What one dashboard's references may resolve to."""

    provisioned: Sequence[Datasource]
    # Datasource variable name → the plugin type it offers.
    variables: Mapping[str, str]

    @property
    def types(self) -> list[str]:
        return sorted({source.type for source in self.provisioned})

    def problem(self, reference: Any) -> str | None:
        """Return why a reference does not resolve (None when it does)."""
        if reference is None:
            return None  # Grafana falls back to the panel's or the default datasource.
        if isinstance(reference, str):
            uid: str | None = reference
            kind: str | None = None
        elif isinstance(reference, Mapping):
            uid = None if reference.get("uid") is None else str(reference["uid"])
            kind = None if reference.get("type") is None else str(reference["type"])
        else:
            return f"datasource {reference!r} is neither a uid nor a {{type, uid}} object"
        if uid is None:
            ok = kind in self.types
            return None if ok else f"datasource of type {kind!r} matches no provisioned type"
        variable = _variable(uid)
        if variable is not None:
            offered = self.variables.get(variable)
            if offered is None:
                return f"datasource uid {uid!r} is not a datasource variable of the dashboard"
            if kind is not None and kind != offered:
                return f"type {kind!r} differs from ${variable}'s {offered!r}"
            return None
        if uid in BUILTIN_UIDS:
            return None
        by_key = {key: s for s in self.provisioned for key in (s.uid, s.name) if key}
        source = by_key.get(uid)
        if source is None:
            uids = ", ".join(sorted(s.uid for s in self.provisioned if s.uid)) or "none"
            return f"datasource uid {uid!r} is not provisioned (provisioned uids: {uids})"
        if kind is not None and kind != source.type:
            return f"type {kind!r} differs from provisioned {uid!r}'s {source.type!r}"
        return None


def datasource_errors(dashboard: Mapping[str, Any], provisioned: Sequence[Datasource]) -> list[str]:
    """Return every datasource reference that names no provisioned datasource (or wrong type).

    A reference may name a provisioned uid (or, in old dashboards, a name), or the dashboard's
    own datasource variable, whose plugin type must be the type of a provisioned datasource.
    """
    label = f"dashboard {dashboard.get('uid') or dashboard.get('title')!r}"
    variables = {
        str(v.get("name")): str(v.get("query") or "")
        for v in (dashboard.get("templating") or {}).get("list") or []
        if v.get("type") == "datasource"
    }
    resolver = _Resolver(provisioned, variables)
    types = resolver.types
    errors = [
        f"{label} variable ${name}: datasource type {kind!r} matches no provisioned "
        f"datasource (provisioned types: {', '.join(types) or 'none'})"
        for name, kind in variables.items()
        if kind not in types
    ]
    for where, reference in datasource_references(dashboard):
        found = resolver.problem(reference)
        if found is not None:
            errors.append(f"{label} {where}: {found}")
    return errors
