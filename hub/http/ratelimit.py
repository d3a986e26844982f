"""A per-token rate limit: an in-process token bucket per API token.

Each token may make HUB_RATE_LIMIT_BURST requests at once and HUB_RATE_LIMIT_PER_MINUTE
sustained; beyond that it gets HTTP 429 with `Retry-After` and a RATE_LIMITED error. The buckets
live in the process: with several hub processes behind a load balancer each keeps its own, so a
client may reach up to N times the rate (put a shared limit in the load balancer if that matters).
Only authenticated requests count (the middleware sits inside authentication). Websockets share
the same buckets: a connection_init and each subscription start take one (see
hub/graphql/types/live.py).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from hub.http.handler import error_body, json_response
from hub.http.negotiation import JSON, response_media_type

MAX_BUCKETS = 100_000  # the least recently used are forgotten beyond this


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    def __init__(
        self,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def take(self, key: int) -> float:
        """0 if `key` may go ahead now (and one is taken), else the seconds until it may."""
        now = self.clock()
        bucket = self.buckets.pop(key, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self.buckets[key] = bucket
        if len(self.buckets) > MAX_BUCKETS:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


def token_buckets(per_minute: int, burst: int) -> TokenBuckets | None:
    """The application's buckets; None where the limit is off (HUB_RATE_LIMIT_PER_MINUTE=0)."""
    return TokenBuckets(per_minute, burst) if per_minute > 0 else None


def limited(wait: float) -> tuple[int, str]:
    """The whole seconds to wait, and the message saying so, for a refusal after `take`."""
    seconds = max(1, math.ceil(wait))
    return seconds, f"too many requests with this token: try again in {seconds} s"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, buckets: TokenBuckets | None) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get("principal")
        if self.buckets is None or scope["type"] != "http" or principal is None:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(principal.token_id)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept"), None)
        seconds, message = limited(wait)
        response = json_response(
            error_body("RATE_LIMITED", message),
            429,
            response_media_type(accept) or JSON,
            {"Retry-After": str(seconds)},
        )
        await response(scope, receive, send)
