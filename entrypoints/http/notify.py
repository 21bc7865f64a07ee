"""Provider notification endpoints: no API key, the provider's signature is the authentication."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from litestar import Request, Response, post
from litestar.params import Parameter

from application.errors import (
    ApplicationError,
    ConcurrencyConflict,
    NotificationRejected,
    ProviderUnavailable,
    SecretUnreadable,
    StorageUnavailable,
)
from application.handle_notification import HandleNotification
from application.records import RawNotification
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


# Failures that may pass: WeChat is asked to send the notification again (a 5xx); any other refusal is final (4xx).
RETRYABLE: tuple[type[ApplicationError], ...] = (StorageUnavailable, ConcurrencyConflict, ProviderUnavailable,
                                                 SecretUnreadable)


@dataclass(frozen=True, slots=True)
class Handled:
    """What became of one notification: acknowledged or not, a label for logs and metrics, and whether a refusal
    should be sent again by the provider."""

    acknowledged: bool
    reason: str
    retry: bool = False


async def _handle(request: Request[Any, Any, Any], payment_type: str, config_id: int | None) -> Handled:
    """Verify and apply, NOTIFY_CONCURRENCY at a time. Never raises."""
    async with _turns(request):
        return await _handle_now(request, payment_type, config_id)


async def _handle_now(request: Request[Any, Any, Any], payment_type: str, config_id: int | None) -> Handled:
    """Verify and apply. Never raises: a provider only needs yes or no (and, for WeChat, whether to retry)."""
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
        return Handled(False, e.reason)
    except ApplicationError as e:
        log.error("notification.failed provider=%s code=%s detail=%s", payment_type, e.code, e.message)
        metrics.inc(NOTIFICATIONS, "provider notifications by outcome and reason", provider=payment_type,
                    outcome="failed", reason=e.code.lower())
        return Handled(False, e.code.lower(), retry=isinstance(e, RETRYABLE))
    outcome = result.outcome.value
    log.info("notification.%s provider=%s order_no=%s", outcome, payment_type, result.payment.order_no)
    metrics.inc(NOTIFICATIONS, "provider notifications by outcome and reason", provider=payment_type,
                outcome=outcome, reason="")
    return Handled(True, outcome)


def _alipay_answer(acknowledged: bool) -> Response[str]:
    # Alipay reads the body only: exactly `success`, or anything else to retry later.
    return Response("success" if acknowledged else "fail", media_type="text/plain", status_code=200)


@post("/v1/notify/alipay", status_code=200, include_in_schema=True, tags=["notifications"])
async def alipay_notify(request: Request[Any, Any, Any]) -> Response[str]:
    """Alipay's asynchronous notification for any config: routed by its out_trade_no to the payment's config."""
    return _alipay_answer((await _handle(request, "alipay", None)).acknowledged)


@post("/v1/notify/alipay/{config_id:int}", status_code=200, tags=["notifications"])
async def alipay_notify_for_config(request: Request[Any, Any, Any], config_id: ConfigIdPath) -> Response[str]:
    """Alipay's asynchronous notification for one config."""
    return _alipay_answer((await _handle(request, "alipay", config_id)).acknowledged)


def _wechat_answer(handled: Handled) -> Response[Any]:
    # WeChat treats any 2xx as received: success is 204 with no body, anything else must be 4xx/5xx.
    if handled.acknowledged:
        return Response(None, status_code=204)
    return Response({"code": "FAIL", "message": f"notification not accepted: {handled.reason}"},
                    status_code=500 if handled.retry else 400)


@post("/v1/notify/wechat", status_code=200, tags=["notifications"])
async def wechat_notify(request: Request[Any, Any, Any]) -> Response[Any]:
    """WeChat Pay v3 callbacks for any config: opened with the key its serial names, routed by the order inside."""
    return _wechat_answer(await _handle(request, "wechat", None))


@post("/v1/notify/wechat/{config_id:int}", status_code=200, tags=["notifications"])
async def wechat_notify_for_config(request: Request[Any, Any, Any], config_id: ConfigIdPath) -> Response[Any]:
    """WeChat Pay v3 callbacks for one config."""
    return _wechat_answer(await _handle(request, "wechat", config_id))


NOTIFY_HANDLERS = [alipay_notify, alipay_notify_for_config, wechat_notify, wechat_notify_for_config]
