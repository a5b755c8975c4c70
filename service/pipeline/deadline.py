"""Await a coroutine with a timeout whose timer is armed only if the coroutine waits."""

from __future__ import annotations

import asyncio
import time
import types
from collections.abc import Coroutine, Generator
from typing import Any, TypeVar

T = TypeVar("T")


async def await_within(coro: Coroutine[Any, Any, T], timeout_seconds: float) -> T:
    """Return `coro`'s result; raise TimeoutError if it still waits after `timeout_seconds`.

    A timeout can only interrupt a coroutine where it yields to the event loop.
    One that finishes without yielding (echo, text analysis: CPU work with
    schema-bounded input) cannot be interrupted by any timer, so none is armed
    for it: arming and cancelling one costs ~4 us, a measurable share of a
    request. A coroutine that does yield (an HTTP call) runs under
    asyncio.timeout for the time left, counted from the call, exactly as
    `async with asyncio.timeout(...)` around the whole await would.
    """
    started = time.perf_counter()
    try:
        waiting = coro.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    left = timeout_seconds - (time.perf_counter() - started)
    try:
        async with asyncio.timeout(left):
            return await _resume(coro, waiting)
    finally:
        coro.close()  # a no-op once it finished; closes it when the timeout cancelled it


@types.coroutine
def _resume(coro: Coroutine[Any, Any, T], waiting: Any) -> Generator[Any, Any, T]:
    """Continue `coro` after its first suspension, as `await coro` would have (PEP 380)."""
    while True:
        try:
            sent = yield waiting
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # CancelledError from the timeout or the caller
            try:
                waiting = coro.throw(exc)
            except StopIteration as done:
                result: T = done.value
                return result
        else:
            try:
                waiting = coro.send(sent)
            except StopIteration as done:
                result = done.value
                return result
