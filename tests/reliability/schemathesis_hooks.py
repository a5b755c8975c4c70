"""Schemathesis hooks for the fuzz run: a no-stack-trace check, and no self-revocation."""

from __future__ import annotations

import os
import re
from typing import Any

import schemathesis

# A Python traceback, one of its frame lines, or aiohttp's own 500 page: none may reach a client.
STACK_TRACE_RE = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|Server got itself in trouble"
)
FUZZ_KEY_ID_ENV = "RELIABILITY_FUZZ_KEY_ID"


@schemathesis.check
def no_stack_trace_in_body(ctx: Any, response: schemathesis.Response, case: Any) -> bool:
    """Fail when a response body carries a stack trace."""
    found = STACK_TRACE_RE.search(response.text_lossy())
    if found is not None:
        raise AssertionError(f"stack trace in the response body: {found.group(0)!r}")
    return True


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: Any) -> bool:
    """Keep the fuzzer from revoking its own key (it would only test 401s from then on)."""
    own = os.environ.get(FUZZ_KEY_ID_ENV, "")
    return not (
        case.method.upper() == "DELETE" and (case.path_parameters or {}).get("key_id") == own
    )
