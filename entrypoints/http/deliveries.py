"""Admin endpoints for webhook deliveries (scope admin): list them by status, show one with its attempts,
resend a failed one."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter

from application.records import DeliveryAttempt, DeliveryStatus, OutboxMessage
from application.webhook_deliveries import DeliveryDetail, WebhookDeliveries
from entrypoints.http.auth import AdminController
from entrypoints.http.schemas import iso

DeliveryId = Annotated[int, Parameter(ge=1, le=2**53 - 1)]


class DeliveryView(msgspec.Struct, kw_only=True):
    """One webhook delivery: an event on its way (or not) to the business system."""

    delivery_id: int
    event_id: str
    event_type: str
    order_no: str | None  # None for a webhook of no payment (reconciliation.completed)
    run_id: int | None  # the reconciliation run of a reconciliation.* webhook
    url: str | None
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_time: str | None
    delivered_time: str | None


class AttemptView(msgspec.Struct, kw_only=True):
    """One HTTP attempt of a delivery: what the business system answered, or why there was no answer."""

    attempt: int
    outcome: str  # the delivery's status right after it: delivered | pending (retried later) | failed
    attempt_time: str
    url: str | None
    status_code: int | None
    latency_ms: int | None
    response_snippet: str
    error: str | None


class DeliveryDetailView(DeliveryView, kw_only=True):
    """One delivery with every attempt it has had, oldest first (a resend adds to them)."""

    attempts_history: list[AttemptView]


class DeliveryList(msgspec.Struct):
    """A page of deliveries, newest first."""

    items: list[DeliveryView]
    next_cursor: str | None


def delivery_view(m: OutboxMessage) -> DeliveryView:
    """The API view of a delivery; next_attempt_time only while one is due."""
    return DeliveryView(
        delivery_id=m.delivery_id, event_id=m.event_id, event_type=m.event_type, order_no=m.order_no,
        run_id=m.run_id, url=m.url,
        status=m.status.value, attempts=m.attempts, last_status_code=m.last_status_code, last_error=m.last_error,
        next_attempt_time=iso(m.next_attempt_time) if m.status is DeliveryStatus.PENDING else None,
        delivered_time=iso(m.delivered_time),
    )


def attempt_view(a: DeliveryAttempt) -> AttemptView:
    """The API view of an attempt."""
    return AttemptView(attempt=a.attempt, outcome=a.outcome.value, attempt_time=iso(a.at) or "", url=a.url,
                       status_code=a.status_code, latency_ms=a.latency_ms, response_snippet=a.snippet,
                       error=a.error)


def detail_view(d: DeliveryDetail) -> DeliveryDetailView:
    """A delivery with its attempts."""
    fields = {f: getattr(delivery_view(d.message), f) for f in DeliveryView.__struct_fields__}
    return DeliveryDetailView(**fields, attempts_history=[attempt_view(a) for a in d.attempts])


class WebhookDeliveryController(AdminController):
    """/v1/admin/webhook-deliveries."""

    path = "/v1/admin/webhook-deliveries"

    @get("/")
    async def list_deliveries(
        self, webhook_deliveries: NamedDependency[WebhookDeliveries], status: FromQuery[DeliveryStatus | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> DeliveryList:
        """Deliveries newest first, optionally of one status."""
        page = await webhook_deliveries.list(status, limit, cursor)
        return DeliveryList([delivery_view(m) for m in page.items], page.next_cursor)

    @get("/{delivery_id:int}")
    async def get_delivery(self, delivery_id: DeliveryId,
                           webhook_deliveries: NamedDependency[WebhookDeliveries]) -> DeliveryDetailView:
        """One delivery and its attempts_history: each attempt's status code, latency, snippet or error, time."""
        return detail_view(await webhook_deliveries.get(delivery_id))

    @post("/{delivery_id:int}/retry", status_code=200)
    async def retry(self, delivery_id: DeliveryId,
                    webhook_deliveries: NamedDependency[WebhookDeliveries]) -> DeliveryView:
        """Resend a failed delivery, at once, as one more attempt; its attempt count and history are kept."""
        return delivery_view(await webhook_deliveries.retry(delivery_id))
