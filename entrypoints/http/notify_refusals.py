"""A budget of refused notifications per client address, so that a flood of forged ones cannot slow payments down.

The notify endpoints take no key: anyone may post to them, and each forged notification costs a lookup, an RSA
verification and a row in the notification log. Alipay and WeChat post from their own servers and are refused
only while a config is wrong, so an address that has had `PAYCORE_RATE_LIMIT_NOTIFY_REFUSALS` notifications
refused in the current minute is a forger (or a provider paycore cannot verify anyway): its further notifications
are answered, after a short hold, in the provider's protocol (its adapter's `NotifyProtocol.over_budget`: Alipay
`fail`, WeChat 429) without being read, verified or logged, and each one is counted in
`paycore_rate_limited_total{limit="notify_refusals"}`. The hold paces a client that posts again as soon as it is
answered; it costs the server an idle connection, not CPU.

A provider refused this way retries later (Alipay for 25 hours, WeChat for 24), and the worker's sync queries the
provider for a payment still unpaid, so a genuine notification caught in a flood is delayed, never lost. Behind a
reverse proxy, the address is the one its `X-Forwarded-For` names: uvicorn trusts that header from 127.0.0.1, and
from the proxies `FORWARDED_ALLOW_IPS` names.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from litestar import Request, Response
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware, get_remote_address
from litestar.types import Receive, Scope, Send

from entrypoints.http.rate_limits import NOTIFY_PREFIX, STORE, count_refusal

log = logging.getLogger("paycore.notify")
HOLD_SECONDS = 1.0
REFUSED = "paycore_notification_refused"  # set in the request's state by the notify handler when it refuses


def mark_refused(request: Request[Any, Any, Any]) -> None:
    """Tell the budget that this notification was refused."""
    request.state[REFUSED] = True


OVER_BUDGET = "notify_over_budget"  # in the app's state: (path, retry_after) → the provider's answer


class NotifyRefusalLimit(RateLimitMiddleware):
    """Counts refused notifications per client address; past the budget, answers the address without any work."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold and refuse an address past its budget; count a refusal once the handler has made it."""
        path: str = scope["path"]
        if not path.startswith(NOTIFY_PREFIX):
            await self.app(scope, receive, send)
            return
        app = scope["litestar_app"]
        request: Request[Any, Any, Any] = app.request_class(scope)
        store = self.config.get_store_from_app(app)
        key = f"notify-refused::{get_remote_address(request)}"
        history = await self.retrieve_cached_history(key, store)
        if len(history.history) >= self.max_requests:
            count_refusal(request, "notify_refusals")
            if len(history.history) == self.max_requests:  # once per address and window, not once per request
                log.warning("notification.refusals_over_budget address=%s", get_remote_address(request))
                async with self._lock:
                    await self.set_cached_history(key=key, cache_object=history, store=store)
            await asyncio.sleep(HOLD_SECONDS)
            answer: Response[Any] = app.state[OVER_BUDGET](path, max(1, int(history.reset - time.time())))
            await answer.to_asgi_response(app=None, request=request)(scope, receive, send)
            return
        scope.setdefault("state", {})
        await self.app(scope, receive, send)
        if scope["state"].get(REFUSED):
            async with self._lock:
                latest = await self.retrieve_cached_history(key, store)
                await self.set_cached_history(key=key, cache_object=latest, store=store)


def notify_refusal_middleware(per_minute: int) -> list[DefineMiddleware]:
    """The budget the settings ask for (0 turns it off)."""
    if not per_minute:
        return []
    config = RateLimitConfig(rate_limit=("minute", per_minute), store=STORE, middleware_class=NotifyRefusalLimit,
                             set_rate_limit_headers=False)
    return [config.middleware]
