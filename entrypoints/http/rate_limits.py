"""Rate limits on Litestar's rate-limit middleware and stores: failed authentications per client address (on by
default, against key guessing) and requests per API key (`PAYCORE_RATE_LIMIT_PER_KEY`, off by default).

The counters live in the app's `rate_limit` store: in memory for one process, in Redis (`PAYCORE_REDIS_URL`) when
several processes must share them. Provider notification endpoints take no key and are never limited here.
"""

from __future__ import annotations

import time
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import CacheObject, RateLimitConfig, RateLimitMiddleware, get_remote_address
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import Message, Receive, Scope, Send

from entrypoints.http.auth import bearer_token
from entrypoints.metrics import Metrics

STORE = "rate_limit"
NOTIFY_PREFIX = "/v1/notify/"
REFUSALS = "paycore_rate_limited_total"


def rate_limit_store(redis_url: str) -> Store:
    """Where the counters live: Redis, shared by every process, when a URL is given; else this process's memory."""
    if not redis_url:
        return MemoryStore()
    from litestar.stores.redis import RedisStore  # needs the redis package; only imported when asked for

    return RedisStore.with_client(url=redis_url, namespace="paycore")


def _key_id(request: Request[Any, Any, Any]) -> str:
    """The API key id a bearer token names (`pck_<id>_<secret>`); the whole token's prefix otherwise."""
    token = bearer_token(request) or ""
    parts = token.split("_")
    return parts[1] if len(parts) >= 3 and parts[0] == "pck" else token[:32]


def count_refusal(request: Request[Any, Any, Any], limit: str) -> None:
    metrics: Metrics = request.app.state.metrics
    metrics.inc(REFUSALS, "requests refused by a rate limit", limit=limit)


def _retry_after(cache_object: CacheObject, now: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, int(cache_object.reset - now)))}


class FailedAuthenticationLimit(RateLimitMiddleware):
    """Counts the 401 answers to requests carrying an Authorization header, per client address; at the limit, the
    address's requests carrying one are refused until its window ends (the store keeps one window per address)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an address past its limit; count a 401 once it has been sent."""
        app = scope["litestar_app"]
        request: Request[Any, Any, Any] = app.request_class(scope)
        if request.url.path.startswith(NOTIFY_PREFIX) or "authorization" not in request.headers:
            await self.app(scope, receive, send)  # only requests that try a key can fail authentication
            return
        store = self.config.get_store_from_app(app)
        key = f"failed-auth::{get_remote_address(request)}"
        history = await self.retrieve_cached_history(key, store)
        if len(history.history) >= self.max_requests:
            count_refusal(request, "failed_authentication")
            raise TooManyRequestsException(
                detail="too many failed authentications from this address; wait and check the API key",
                headers=_retry_after(history, time.time()))
        failed = False

        async def watch(message: Message) -> None:
            nonlocal failed
            if message["type"] == "http.response.start" and message["status"] == 401:
                failed = True
            await send(message)

        await self.app(scope, receive, watch)
        if failed:
            async with self._lock:
                latest = await self.retrieve_cached_history(key, store)
                await self.set_cached_history(key=key, cache_object=latest, store=store)


class PerKeyLimit(RateLimitMiddleware):
    """Litestar's limiter keyed by API key id, counting what it refuses."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Limit, and count a refusal in the metrics."""
        try:
            await super().__call__(scope, receive, send)
        except TooManyRequestsException as e:
            count_refusal(scope["litestar_app"].request_class(scope), "per_key")
            reset = (e.headers or {}).get("RateLimit-Reset", "1")
            e.headers = {**(e.headers or {}), "Retry-After": str(max(1, int(reset)))}
            e.detail = "this API key sent more requests per second than PAYCORE_RATE_LIMIT_PER_KEY allows"
            raise


def _keyed(request: Request[Any, Any, Any]) -> bool:
    return bearer_token(request) is not None and not request.url.path.startswith(NOTIFY_PREFIX)


def rate_limit_middleware(failed_auth_per_minute: int, per_key_per_second: int) -> list[DefineMiddleware]:
    """The limiters the settings ask for, outermost first (0 turns one off)."""
    middleware: list[DefineMiddleware] = []
    if failed_auth_per_minute:
        config = RateLimitConfig(rate_limit=("minute", failed_auth_per_minute), store=STORE,
                                 middleware_class=FailedAuthenticationLimit, set_rate_limit_headers=False)
        middleware.append(config.middleware)
    if per_key_per_second:
        config = RateLimitConfig(rate_limit=("second", per_key_per_second), store=STORE, middleware_class=PerKeyLimit,
                                 identifier_for_request=_key_id, check_throttle_handler=_keyed)
        middleware.append(config.middleware)
    return middleware

