"""A webhook test kit: DeliverWebhooks on in-memory storage with a fake sender, and a key whose secret signs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from application.api_keys import IssuedKey
from application.deliver_webhooks import DeliverWebhooks
from application.records import OutboxMessage, SendResult
from domain.payment import Payment
from tests.unit.harness import App, order

HOOK = "https://shop.example/hooks/paycore"
KEY_HOOK = "https://shop.example/hooks/default"
ORDER_NO = "T20261124001"


@dataclass
class Request:
    """One POST the fake sender received."""

    url: str
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        """The body, decoded."""
        return json.loads(self.body)


@dataclass
class FakeSender:
    """Answers from a script of status codes (None: a network error), then 200; records every request."""

    script: list[int | None] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    crash: bool = False  # the process "dies" right after the request went out

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        self.requests.append(Request(url, body, dict(headers)))
        if self.crash:
            raise RuntimeError("the process died before recording the outcome")
        status = self.script.pop(0) if self.script else 200
        if status is None:
            return SendResult(None, 0.5, "", "could not be sent: connection refused")
        return SendResult(status, 0.02, "ok" if status < 300 else "upstream broke")


def render(event_type: str, payment: Payment, refund_no: str | None) -> dict[str, Any]:
    """A stand-in for the API's views."""
    if event_type.startswith("refund."):
        assert refund_no is not None
        return {"refund_no": refund_no, "refund_status": payment.refunds[refund_no].status.value}
    return {"order_no": payment.order_no, "trade_status": payment.status.value}


@dataclass
class Kit:
    """The use case, its sender and the key whose secret signs."""

    app: App
    sender: FakeSender
    deliver: DeliverWebhooks
    key: IssuedKey

    async def pay(self, order_no: str = ORDER_NO, notify_url: str | None = HOOK, key_id: str | None = None) -> None:
        """Create and pay a payment made with the kit's key."""
        await self.app.create(order(order_no=order_no, notify_url=notify_url,
                                    api_key_id=key_id or self.key.key.key_id))
        self.app.clock.advance(seconds=5)
        await self.app.notify(self.app.alipay.pay(order_no))

    async def deliveries(self) -> list[OutboxMessage]:
        """Every delivery, oldest first."""
        async with self.app.uow() as uow:
            return list(reversed(await uow.outbox.list(None, 100)))


async def make_kit(app: App, schedule: Sequence[int] = (15, 60)) -> Kit:
    """A kit over the app; the default schedule, 15 s then 60 s, makes three attempts in all."""
    key = await app.api_keys.issue("shop", "payments", webhook_url=KEY_HOOK)
    sender = FakeSender()
    deliver = DeliverWebhooks(app.uow, sender, app.clock, app.api_keys, render, schedule, worker_id="w1")
    return Kit(app, sender, deliver, key)
