"""Provider notification endpoints: no API key, the provider's signature is the authentication."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from litestar import Request, Response, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter

from adapters.gateways.provider import NotifyAnswer, NotifyProtocol
from application.errors import (
    ApplicationError,
    ConcurrencyConflict,
    ConfigUnreadable,
    NotificationRejected,
    ProviderUnavailable,
    SecretUnreadable,
    StorageUnavailable,
)
from application.handle_notification import HandleNotification
from application.records import RawNotification
from entrypoints.http.notify_refusals import mark_refused
from entrypoints.http.rate_limits import NOTIFY_PREFIX
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


# Failures that may pass: the provider is asked to send the notification again (`retry`, a 5xx for some); any other
# refusal is final.
RETRYABLE: tuple[type[ApplicationError], ...] = (StorageUnavailable, ConcurrencyConflict, ProviderUnavailable,
                                                 SecretUnreadable, ConfigUnreadable)


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
    """Verify and apply. Never raises: a provider only needs yes or no (and, for some, whether to retry)."""
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


def _respond(answer: NotifyAnswer, headers: Mapping[str, str] | None = None) -> Response[Any]:
    """The provider's answer as an HTTP response."""
    return Response(answer.body, status_code=answer.status_code, media_type=answer.media_type,
                    headers=dict(headers or {}))


def over_budget(protocols: Mapping[str, NotifyProtocol], path: str, retry_after: int) -> Response[Any]:
    """The answer, in its provider's protocol, to an address past its budget of refused notifications."""
    payment_type = path.removeprefix(NOTIFY_PREFIX).split("/", 1)[0]
    protocol = protocols.get(payment_type)
    answer = protocol.over_budget if protocol is not None else NotifyAnswer(429, "too many refused notifications")
    return _respond(answer, {"Retry-After": str(retry_after)})


def notify_handlers(protocols: Mapping[str, NotifyProtocol]) -> list[HTTPRouteHandler]:
    """The two notify endpoints of each provider: one for any config, one naming the config."""
    return [handler for payment_type, protocol in protocols.items()
            for handler in _provider_handlers(payment_type, protocol)]


def _provider_handlers(payment_type: str, protocol: NotifyProtocol) -> list[HTTPRouteHandler]:
    async def any_config(request: Request[Any, Any, Any]) -> Response[Any]:
        handled = await _handle(request, payment_type, None)
        return _respond(protocol.answer(handled.acknowledged, handled.reason, handled.retry))

    async def one_config(request: Request[Any, Any, Any], config_id: ConfigIdPath) -> Response[Any]:
        handled = await _handle(request, payment_type, config_id)
        return _respond(protocol.answer(handled.acknowledged, handled.reason, handled.retry))

    # The names make the operation ids (V1Notify<Type><Name>) and the docs' summaries.
    for handler, name, text in ((any_config, f"{payment_type}_notify", protocol.any_config),
                                (one_config, f"{payment_type}_notify_for_config", protocol.one_config)):
        handler.__name__ = handler.__qualname__ = name
        handler.__doc__ = text
    return [post(f"{NOTIFY_PREFIX}{payment_type}", status_code=200, tags=["notifications"])(any_config),
            post(f"{NOTIFY_PREFIX}{payment_type}/{{config_id:int}}", status_code=200,
                 tags=["notifications"])(one_config)]
