"""Webhooks after a final failure: later events go out, the failed one is resent in its place, and a resend
continues the attempt count and history instead of resetting them."""

from __future__ import annotations

from typing import Any

import pytest

from application.errors import DeliveryNotFound
from application.records import DeliveryStatus
from application.refund_payment import RefundCommand
from application.webhook_deliveries import WebhookDeliveries
from domain.money import Money
from tests.unit.harness import App
from tests.unit.webhook_kit import HOOK, ORDER_NO, Kit, make_kit


@pytest.fixture
async def kit(app: App) -> Kit:
    """Schedule 15 s then 60 s: three attempts in all."""
    return await make_kit(app)


def sent(kit: Kit) -> list[tuple[str, Any]]:
    """(type, data) of every request, in the order they went out."""
    return [(r.json()["type"], r.json()["data"]) for r in kit.sender.requests]


async def fail_for_good(kit: Kit) -> int:
    """Run the worker through the whole schedule while the endpoint answers 500; the failed delivery's id."""
    kit.sender.script = [500, 500, 500]
    for _ in range(3):
        await kit.deliver.run_once()
        kit.app.clock.advance(seconds=60)
    admin = WebhookDeliveries(kit.app.uow, kit.app.clock)
    [failed] = (await admin.list(DeliveryStatus.FAILED)).items
    return failed.delivery_id


async def test_after_a_webhook_fails_for_good_the_payment_s_later_ones_go_out_carrying_the_whole_payment(
    kit: Kit,
) -> None:
    kit.sender.script = [500, 500, 500]
    await kit.pay()
    await kit.app.refund(RefundCommand(ORDER_NO, "R1", Money.from_yuan("99.90")))
    await kit.deliver.run_once()  # the first attempt of payment.succeeded: 500
    kit.app.clock.advance(seconds=15)
    await kit.deliver.run_once()  # the second: 500; the refund's webhooks still wait
    assert [t for t, _ in sent(kit)] == ["payment.succeeded"] * 2
    kit.app.clock.advance(seconds=60)
    [last] = await kit.deliver.run_once()
    assert last.outcome is DeliveryStatus.FAILED
    for _ in range(2):
        await kit.deliver.run_once()
    refunded = (await kit.app.stored(ORDER_NO)).status.value
    assert sent(kit)[3:] == [("refund.succeeded", {"refund_no": "R1", "refund_status": "SUCCESS"}),
                             ("payment.refunded", {"order_no": ORDER_NO, "trade_status": refunded})]


async def test_a_resend_continues_the_attempt_count_and_keeps_each_attempt(kit: Kit) -> None:
    await kit.pay()
    delivery_id = await fail_for_good(kit)
    admin = WebhookDeliveries(kit.app.uow, kit.app.clock)
    resent = await admin.retry(delivery_id)
    assert (resent.status, resent.attempts) == (DeliveryStatus.PENDING, 3)
    [report] = await kit.deliver.run_once()
    assert report.outcome is DeliveryStatus.DELIVERED
    detail = await admin.get(delivery_id)
    assert (detail.message.status, detail.message.attempts, detail.message.url) == (DeliveryStatus.DELIVERED, 4,
                                                                                    HOOK)
    assert [(a.attempt, a.outcome, a.status_code) for a in detail.attempts] == [
        (1, DeliveryStatus.PENDING, 500), (2, DeliveryStatus.PENDING, 500), (3, DeliveryStatus.FAILED, 500),
        (4, DeliveryStatus.DELIVERED, 200)]
    assert [a.latency_ms for a in detail.attempts] == [20] * 4
    assert [a.snippet for a in detail.attempts] == ["upstream broke"] * 3 + ["ok"]
    assert detail.attempts[0].error == "HTTP 500: upstream broke"
    assert detail.attempts[-1].at == kit.app.clock.now()


async def test_a_resend_goes_out_after_what_was_delivered_meanwhile_and_before_later_events(kit: Kit) -> None:
    await kit.pay()
    await kit.app.refund(RefundCommand(ORDER_NO, "R1", Money.from_yuan("10.00")))
    delivery_id = await fail_for_good(kit)
    await kit.deliver.run_once()  # refund.succeeded of R1
    await WebhookDeliveries(kit.app.uow, kit.app.clock).retry(delivery_id)
    await kit.app.refund(RefundCommand(ORDER_NO, "R2", Money.from_yuan("89.90")))
    [resent] = await kit.deliver.run_once()  # R2's webhooks wait behind the resend
    assert resent.delivery_id == delivery_id
    while await kit.deliver.run_once():
        pass
    events = [(t, d.get("refund_no")) for t, d in sent(kit)]
    assert events == [("payment.succeeded", None)] * 3 + [
        ("refund.succeeded", "R1"), ("payment.succeeded", None), ("refund.succeeded", "R2"),
        ("payment.refunded", None)]


async def test_an_unknown_delivery_has_no_detail(kit: Kit) -> None:
    with pytest.raises(DeliveryNotFound):
        await WebhookDeliveries(kit.app.uow, kit.app.clock).get(424242)
