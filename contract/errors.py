"""Errors the harness raises; each names the component and the cause."""

from __future__ import annotations


class HarnessError(Exception):
    """The stack could not be built, started or observed; the run fails closed."""

    def __init__(self, component: str, cause: str, log_tail: str = "") -> None:
        self.component = component
        self.cause = cause
        self.log_tail = log_tail
        message = f"[{component}] {cause}"
        if log_tail:
            message += f"\n--- last lines of the {component} log ---\n{log_tail}"
        super().__init__(message)


class MissingBinaryError(HarnessError):
    """A component's executable is not installed."""


class PortClashError(HarnessError):
    """A component's port is already taken by another process."""


class ReadinessError(HarnessError):
    """A component exited or never answered its readiness endpoint in time."""


class ConfigError(HarnessError):
    """A generated config is missing or cannot be rewritten for this run."""


class ContractViolation(AssertionError):
    """A live check failed; the message names the component, endpoint and evidence."""

    def __init__(self, component: str, endpoint: str, problem: str, evidence: str = "") -> None:
        self.component = component
        self.endpoint = endpoint
        self.problem = problem
        self.evidence = evidence
        where = f" (evidence: {evidence})" if evidence else ""
        super().__init__(f"[{component}] {endpoint}: {problem}{where}")
