"""Admin endpoints for webhook deliveries (scope admin): list them by status, retry a failed one."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter

from application.ports import DeliveryStatus, OutboxMessage
from application.webhook_deliveries import WebhookDeliveries
from entrypoints.http.auth import require_scope
from entrypoints.http.schemas import iso

DeliveryId = Annotated[int, Parameter(ge=1, le=2**53 - 1)]


class DeliveryView(msgspec.Struct, kw_only=True):
    """One webhook delivery: an event on its way (or not) to the business system."""

    delivery_id: int
    event_id: str
    event_type: str
    order_no: str
    url: str | None
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_time: str | None
    delivered_time: str | None


class DeliveryList(msgspec.Struct):
    """A page of deliveries, newest first."""

    items: list[DeliveryView]
    next_cursor: str | None


def delivery_view(m: OutboxMessage) -> DeliveryView:
    """The API view of a delivery; next_attempt_time only while one is due."""
    return DeliveryView(
        delivery_id=m.delivery_id, event_id=m.event_id, event_type=m.event_type, order_no=m.order_no, url=m.url,
        status=m.status.value, attempts=m.attempts, last_status_code=m.last_status_code, last_error=m.last_error,
        next_attempt_time=iso(m.next_attempt_time) if m.status is DeliveryStatus.PENDING else None,
        delivered_time=iso(m.delivered_time),
    )


class WebhookDeliveryController(Controller):
    """/v1/admin/webhook-deliveries."""

    path = "/v1/admin/webhook-deliveries"
    guards = [require_scope]  # noqa: RUF012 - Litestar reads this class attribute
    opt = {"scope": "admin"}  # noqa: RUF012
    tags = ["admin"]  # noqa: RUF012

    @get("/")
    async def list_deliveries(
        self, webhook_deliveries: NamedDependency[WebhookDeliveries], status: FromQuery[DeliveryStatus | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> DeliveryList:
        """Deliveries newest first, optionally of one status."""
        page = await webhook_deliveries.list(status, limit, cursor)
        return DeliveryList([delivery_view(m) for m in page.items], page.next_cursor)

    @post("/{delivery_id:int}/retry", status_code=200)
    async def retry(self, delivery_id: DeliveryId,
                    webhook_deliveries: NamedDependency[WebhookDeliveries]) -> DeliveryView:
        """Send a failed delivery again, at once, with a fresh retry schedule."""
        return delivery_view(await webhook_deliveries.retry(delivery_id))
