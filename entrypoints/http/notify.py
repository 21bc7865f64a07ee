"""Provider notification endpoints: no API key, the provider's signature is the authentication."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any
from urllib.parse import parse_qsl

from litestar import Request, Response, post
from litestar.params import Parameter

from application.errors import ApplicationError, NotificationRejected
from application.handle_notification import HandleNotification
from application.ports import RawNotification
from entrypoints.http.notify_refusals import mark_refused
from entrypoints.metrics import Metrics

log = logging.getLogger("paycore.notify")
ConfigIdPath = Annotated[int, Parameter(ge=1, le=2**53 - 1)]
NOTIFICATIONS = "paycore_notifications_total"


# Notifications handled at once by one process; the others wait their turn. Anyone may post to these endpoints,
# so a flood of forged ones must not take the whole event loop (and SQLite's write lock) from the payments API.
NOTIFY_CONCURRENCY = 4


def _turns(request: Request[Any, Any, Any]) -> asyncio.Semaphore:
    """The app's notification turns (made in its event loop, at the first notification)."""
    turns: asyncio.Semaphore | None = request.app.state.get("notify_turns")
    if turns is None:
        turns = request.app.state["notify_turns"] = asyncio.Semaphore(NOTIFY_CONCURRENCY)
    return turns


async def _handle(request: Request[Any, Any, Any], payment_type: str, config_id: int | None) -> tuple[bool, str]:
    """Verify and apply, NOTIFY_CONCURRENCY at a time; (acknowledged, reason). Never raises."""
    async with _turns(request):
        return await _handle_now(request, payment_type, config_id)


async def _handle_now(request: Request[Any, Any, Any], payment_type: str, config_id: int | None) -> tuple[bool, str]:
    """Verify and apply; (acknowledged, reason). Never raises: a provider only needs yes or no."""
    body = await request.body()
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    raw = RawNotification(body=body, headers={k.lower(): v for k, v in request.headers.items()}, form=form)
    metrics: Metrics = request.app.state.metrics
    handle: HandleNotification = request.app.state.container.handle_notification()
    try:
        result = await handle(payment_type, config_id, raw)
    except NotificationRejected as e:
        mark_refused(request)
        log.warning("notification.rejected provider=%s reason=%s detail=%s", payment_type, e.reason, e.message)
        metrics.inc(NOTIFICATIONS, "provider notifications by outcome and reason", provider=payment_type,
                    outcome="rejected", reason=e.reason)
        return False, e.reason
    except ApplicationError as e:
        log.error("notification.failed provider=%s code=%s detail=%s", payment_type, e.code, e.message)
        metrics.inc(NOTIFICATIONS, "provider notifications by outcome and reason", provider=payment_type,
                    outcome="failed", reason=e.code.lower())
        return False, e.code.lower()
    outcome = result.outcome.value
    log.info("notification.%s provider=%s order_no=%s", outcome, payment_type, result.payment.order_no)
    metrics.inc(NOTIFICATIONS, "provider notifications by outcome and reason", provider=payment_type,
                outcome=outcome, reason="")
    return True, outcome


def _alipay_answer(acknowledged: bool) -> Response[str]:
    # Alipay reads the body only: exactly `success`, or anything else to retry later.
    return Response("success" if acknowledged else "fail", media_type="text/plain", status_code=200)


@post("/v1/notify/alipay", status_code=200, include_in_schema=True, tags=["notifications"])
async def alipay_notify(request: Request[Any, Any, Any]) -> Response[str]:
    """Alipay's asynchronous notification for any config: routed by its out_trade_no to the payment's config."""
    acknowledged, _ = await _handle(request, "alipay", None)
    return _alipay_answer(acknowledged)


@post("/v1/notify/alipay/{config_id:int}", status_code=200, tags=["notifications"])
async def alipay_notify_for_config(request: Request[Any, Any, Any], config_id: ConfigIdPath) -> Response[str]:
    """Alipay's asynchronous notification for one config."""
    acknowledged, _ = await _handle(request, "alipay", config_id)
    return _alipay_answer(acknowledged)


def _wechat_answer(acknowledged: bool, reason: str) -> Response[Any]:
    # WeChat treats any 2xx as received: success is 204 with no body, anything else must be 4xx/5xx.
    if acknowledged:
        return Response(None, status_code=204)
    status = 500 if reason in _RETRYABLE else 400
    return Response({"code": "FAIL", "message": f"notification not accepted: {reason}"}, status_code=status)


_RETRYABLE = {"service_unavailable", "concurrent_update", "provider_unavailable", "master_key_mismatch"}


@post("/v1/notify/wechat", status_code=200, tags=["notifications"])
async def wechat_notify(request: Request[Any, Any, Any]) -> Response[Any]:
    """WeChat Pay v3 callbacks for any config: opened with the key its serial names, routed by the order inside."""
    return _wechat_answer(*await _handle(request, "wechat", None))


@post("/v1/notify/wechat/{config_id:int}", status_code=200, tags=["notifications"])
async def wechat_notify_for_config(request: Request[Any, Any, Any], config_id: ConfigIdPath) -> Response[Any]:
    """WeChat Pay v3 callbacks for one config."""
    return _wechat_answer(*await _handle(request, "wechat", config_id))


NOTIFY_HANDLERS = [alipay_notify, alipay_notify_for_config, wechat_notify, wechat_notify_for_config]
