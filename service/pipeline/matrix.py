"""The action matrix: roles, their grants of action x context, and each action's executor."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CONTEXT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class MatrixError(ValueError):
    """The action matrix file is invalid; the message names the file and the entry."""

    def __init__(self, path: Path | str, entry: str, problem: str) -> None:
        self.path = str(path)
        self.entry = entry
        self.problem = problem
        super().__init__(f"{self.path}: {entry}: {problem}")


@dataclass(frozen=True)
class Role:
    """A role's description, whether it administers keys, and its grants."""

    name: str
    description: str
    manage_keys: bool
    grants: frozenset[tuple[str, str]]  # (action, context) pairs


@dataclass(frozen=True)
class ActionMatrix:
    """Who may run what, where, and which executor runs each action."""

    path: Path
    contexts: tuple[str, ...]
    executors: Mapping[str, str]
    roles: Mapping[str, Role]

    def allows(self, role: str, action: str, context_id: str) -> bool:
        """Return True if `role` may run `action` in `context_id`."""
        found = self.roles.get(role)
        return found is not None and (action, context_id) in found.grants

    def can_manage_keys(self, role: str) -> bool:
        """Return True if `role` may use the key administration API."""
        found = self.roles.get(role)
        return found is not None and found.manage_keys


def load_matrix(path: Path) -> ActionMatrix:
    """Read and validate the matrix file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MatrixError(path, "-", f"cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise MatrixError(path, "-", f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise MatrixError(path, "-", "must be a mapping with contexts, actions and roles")
    unknown = sorted(set(raw) - {"contexts", "actions", "roles"})
    if unknown:
        raise MatrixError(path, unknown[0], "unknown top-level key")
    contexts = _parse_contexts(raw.get("contexts"), path)
    executors = _parse_actions(raw.get("actions"), path)
    roles = _parse_roles(raw.get("roles"), path, set(executors), set(contexts))
    return ActionMatrix(path=path, contexts=contexts, executors=executors, roles=roles)


def _parse_contexts(raw: Any, path: Path) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise MatrixError(path, "contexts", "must be a non-empty list of context ids")
    for index, context in enumerate(raw):
        if not isinstance(context, str) or not _CONTEXT_RE.match(context):
            raise MatrixError(
                path, f"contexts[{index}]", f"must match {_CONTEXT_RE.pattern}, got {context!r}"
            )
    if len(set(raw)) != len(raw):
        raise MatrixError(path, "contexts", "lists a context twice")
    return tuple(raw)


def _parse_actions(raw: Any, path: Path) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise MatrixError(path, "actions", "must be a non-empty mapping of action to executor")
    executors: dict[str, str] = {}
    for action, spec in raw.items():
        entry = f"actions.{action}"
        if not isinstance(action, str) or not _NAME_RE.match(action):
            raise MatrixError(path, entry, f"action name must match {_NAME_RE.pattern}")
        if not isinstance(spec, dict) or set(spec) != {"executor"}:
            raise MatrixError(path, entry, "must be a mapping with exactly one key: executor")
        executor = spec["executor"]
        if not isinstance(executor, str) or not _NAME_RE.match(executor):
            raise MatrixError(path, f"{entry}.executor", "must be an executor id")
        executors[action] = executor
    return executors


def _parse_roles(raw: Any, path: Path, actions: set[str], contexts: set[str]) -> dict[str, Role]:
    if not isinstance(raw, dict) or not raw:
        raise MatrixError(path, "roles", "must be a non-empty mapping of role to grants")
    roles: dict[str, Role] = {}
    for name, spec in raw.items():
        entry = f"roles.{name}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise MatrixError(path, entry, f"role name must match {_NAME_RE.pattern}")
        if not isinstance(spec, dict):
            raise MatrixError(path, entry, "must map description, manage_keys and grants")
        unknown = sorted(set(spec) - {"description", "manage_keys", "grants"})
        if unknown:
            raise MatrixError(path, f"{entry}.{unknown[0]}", "unknown key")
        description = spec.get("description", "")
        if not isinstance(description, str):
            raise MatrixError(path, f"{entry}.description", "must be a string")
        manage_keys = spec.get("manage_keys", False)
        if not isinstance(manage_keys, bool):
            raise MatrixError(path, f"{entry}.manage_keys", "must be true or false")
        grants = _parse_grants(spec.get("grants"), path, entry, actions, contexts)
        roles[name] = Role(name, description, manage_keys, grants)
    return roles


def _parse_grants(
    raw: Any, path: Path, entry: str, actions: set[str], contexts: set[str]
) -> frozenset[tuple[str, str]]:
    if not isinstance(raw, list):
        raise MatrixError(path, f"{entry}.grants", "must be a list of {actions, contexts}")
    pairs: set[tuple[str, str]] = set()
    for index, grant in enumerate(raw):
        where = f"{entry}.grants[{index}]"
        if not isinstance(grant, dict) or set(grant) != {"actions", "contexts"}:
            raise MatrixError(path, where, "must be a mapping with exactly actions and contexts")
        granted_actions = _names_in(grant["actions"], actions, path, f"{where}.actions", "action")
        granted_contexts = _names_in(
            grant["contexts"], contexts, path, f"{where}.contexts", "context"
        )
        pairs.update((a, c) for a in granted_actions for c in granted_contexts)
    return frozenset(pairs)


def _names_in(raw: Any, known: set[str], path: Path, entry: str, kind: str) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise MatrixError(path, entry, f"must be a non-empty list of {kind}s")
    for value in raw:
        if value not in known:
            raise MatrixError(path, entry, f"unknown {kind} {value!r} (declare it first)")
    return raw
