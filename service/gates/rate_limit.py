"""G2: a token bucket per API key (default 100 requests a minute), or per client address."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from service.gates import Deny


def rate_limited(per_minute: int, wait_seconds: int) -> Deny:
    """Return the 429 for a key whose bucket is empty for another `wait_seconds`."""
    return Deny(
        gate="rate_limit",
        status=429,
        reason="RATE_LIMITED",
        message=f"rate limit of {per_minute} requests per minute exceeded; "
        f"retry in {wait_seconds} s",
        retry_after_seconds=wait_seconds,
    )


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated


class RateLimitGate:
    """Allow a burst of `per_minute` requests per key, refilled evenly over a minute."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int | None = None,
    ) -> None:
        self._per_minute = per_minute
        self._capacity = float(per_minute)
        self._refill_per_second = per_minute / 60.0
        self._clock = clock
        # One bucket per authenticated key: the key set is bounded by the store.
        # Per client address the set is the caller's choice: `max_buckets` bounds
        # it, forgetting the longest-idle bucket first.
        self._buckets: dict[str, _Bucket] = {}
        self._max_buckets = max_buckets

    def exhausted(self, key_id: str) -> bool:
        """Return True if `key_id` has no token now (nothing is taken)."""
        bucket = self._buckets.get(key_id)
        if bucket is None:
            return False
        refilled = bucket.tokens + (self._clock() - bucket.updated) * self._refill_per_second
        return refilled < 1.0

    def check(self, key_id: str) -> Deny | None:
        """Take one token for `key_id`; deny with the seconds until one is available."""
        now = self._clock()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            if self._max_buckets is not None and len(self._buckets) >= self._max_buckets:
                del self._buckets[next(iter(self._buckets))]
            bucket = self._buckets[key_id] = _Bucket(self._capacity, now)
        else:
            if self._max_buckets is not None:
                # Move it to the end: the first bucket is always the longest idle.
                del self._buckets[key_id]
                self._buckets[key_id] = bucket
            refilled = bucket.tokens + (now - bucket.updated) * self._refill_per_second
            bucket.tokens = min(self._capacity, refilled)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        wait = max(1, math.ceil((1.0 - bucket.tokens) / self._refill_per_second))
        return rate_limited(self._per_minute, wait)
