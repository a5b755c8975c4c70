"""G2 shared by every replica: one token bucket per key in Redis, taken atomically by a script."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from service.gates import Deny
from service.gates.rate_limit import rate_limited
from service.redact import redact_url

log = logging.getLogger(__name__)

KEY_PREFIX = "techno:rate_limit:"
UNAVAILABLE_REASON = "RATE_LIMIT_UNAVAILABLE"
# Bounds how long a request waits on an unreachable Redis before it is refused.
SOCKET_TIMEOUT_SECONDS = 0.5

# Refill by the time elapsed on the Redis clock (so replica clocks never matter),
# then take a token. Returns 0 when a token was taken, else the whole seconds until
# one is available. A bucket idle for a full refill is full again, which is what
# a missing bucket means: the TTL drops it exactly then and loses nothing.
REFILL_AND_TAKE_LUA = """
local capacity = tonumber(ARGV[1])
local per_second = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - updated) * per_second)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) / per_second))
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'updated', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_second * 1000))
return wait
"""


UNAVAILABLE = Deny(
    gate="rate_limit",
    status=503,
    reason=UNAVAILABLE_REASON,
    message="the shared rate limit store is unavailable; retry shortly",
    retry_after_seconds=1,
)


class RateLimitUnavailable(Exception):
    """Redis did not answer, so no rate limit decision could be made."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE.message)
        self.deny = UNAVAILABLE


def connect(url: str) -> Redis:
    """Return a lazily connecting client for `url` that fails fast when Redis is away."""
    # One retry on a fresh connection survives a Redis restart (pooled sockets die with
    # it); more would only delay the 503 while Redis is down.
    return Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 1, (RedisConnectionError,)),
    )


class RedisRateLimitGate:
    """Allow a burst of `per_minute` requests per key across every replica sharing Redis."""

    def __init__(self, client: Redis, per_minute: int, *, url: str) -> None:
        self._client = client
        # register_script runs EVALSHA and loads the script again on NOSCRIPT
        # (after a Redis restart or SCRIPT FLUSH).
        self._take_token = client.register_script(REFILL_AND_TAKE_LUA)
        self._per_minute = per_minute
        self._args = (per_minute, per_minute / 60.0)
        self._shown_url = redact_url(url)
        self._password = client.connection_pool.connection_kwargs.get("password")
        self._reachable = True

    async def check(self, key_id: str) -> Deny | None:
        """Take one token for `key_id`; raise RateLimitUnavailable when Redis fails."""
        try:
            wait = await self._take_token(keys=(KEY_PREFIX + key_id,), args=self._args)
        except (RedisError, OSError) as exc:
            self._lost(exc)
            raise RateLimitUnavailable from None
        if not self._reachable:
            self._reachable = True
            log.warning("rate limit store %s answers again", self._shown_url)
        return None if wait == 0 else rate_limited(self._per_minute, int(wait))

    async def ping(self) -> bool:
        """Return whether Redis answers now (for readiness)."""
        try:
            return bool(await self._client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._client.aclose()

    def _lost(self, exc: BaseException) -> None:
        # One line per outage, not per refused request.
        if not self._reachable:
            return
        self._reachable = False
        detail = str(exc)
        if self._password:
            detail = detail.replace(self._password, "***")
        log.error(
            "rate limit store %s unavailable (%s: %s); refusing requests with 503 %s "
            "until it answers",
            self._shown_url,
            type(exc).__name__,
            detail,
            UNAVAILABLE_REASON,
        )
