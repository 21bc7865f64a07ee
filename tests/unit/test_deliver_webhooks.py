"""DeliverWebhooks on in-memory storage with a fake sender: signed, retried on schedule, in order, at least once."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

import pytest

from application.errors import DeliveryNotFailed, DeliveryNotFound
from application.records import DeliveryStatus
from application.refund_payment import RefundCommand
from application.webhook_deliveries import WebhookDeliveries
from domain.money import Money
from tests.unit.harness import App
from tests.unit.webhook_kit import HOOK, KEY_HOOK, ORDER_NO, Kit, make_kit


@pytest.fixture
async def kit(app: App) -> Kit:
    """Schedule 15 s then 60 s: three attempts in all."""
    return await make_kit(app)


def verify(secret: str, header: str, body: bytes) -> int:
    """The signed timestamp, if the signature is right."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    return int(parts["t"])


async def test_a_paid_payment_s_webhook_is_posted_to_its_notify_url_and_signed_with_its_key(kit: Kit) -> None:
    await kit.pay()
    [report] = await kit.deliver.run_once()
    [sent] = kit.sender.requests
    assert sent.url == HOOK
    body = sent.json()
    assert body["type"] == "payment.succeeded"
    assert body["data"] == {"order_no": ORDER_NO, "trade_status": "TRADE_SUCCESS"}
    assert body["created"].endswith("Z")
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Paycore-Event-Id"] == body["id"]
    assert verify(kit.key.webhook_secret, sent.headers["Paycore-Signature"], sent.body) == int(
        kit.app.clock.now().timestamp())
    assert (report.outcome, report.status_code, report.url) == (DeliveryStatus.DELIVERED, 200, HOOK)
    [delivery] = await kit.deliveries()
    assert (delivery.status, delivery.attempts, delivery.event_id) == (DeliveryStatus.DELIVERED, 1, body["id"])


async def test_without_a_notify_url_the_creating_key_s_webhook_url_is_used(kit: Kit) -> None:
    await kit.pay(notify_url=None)
    await kit.deliver.run_once()
    assert [r.url for r in kit.sender.requests] == [KEY_HOOK]


async def test_with_nowhere_to_send_it_the_delivery_is_skipped_not_failed(kit: Kit) -> None:
    bare = await kit.app.api_keys.issue("bare", "payments")
    await kit.pay(notify_url=None, key_id=bare.key.key_id)
    [report] = await kit.deliver.run_once()
    assert kit.sender.requests == []
    assert report.outcome is DeliveryStatus.SKIPPED
    [delivery] = await kit.deliveries()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SKIPPED, 0)
    assert delivery.last_error is not None
    assert "webhook_url" in delivery.last_error


async def test_a_failing_endpoint_is_retried_after_each_wait_of_the_schedule_then_marked_failed(kit: Kit) -> None:
    kit.sender.script = [500, 503, 500]
    await kit.pay()
    await kit.deliver.run_once()
    assert await kit.deliver.run_once() == []  # the first wait has not passed
    kit.app.clock.advance(seconds=15)
    await kit.deliver.run_once()
    kit.app.clock.advance(seconds=59)
    assert await kit.deliver.run_once() == []
    kit.app.clock.advance(seconds=1)
    [last] = await kit.deliver.run_once()
    kit.app.clock.advance(days=30)
    assert await kit.deliver.run_once() == []
    assert len(kit.sender.requests) == 3
    assert last.outcome is DeliveryStatus.FAILED
    [delivery] = await kit.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.FAILED, 3, 500)
    assert delivery.last_error == "HTTP 500: upstream broke"


async def test_a_2xx_after_failures_ends_the_retries(kit: Kit) -> None:
    kit.sender.script = [None, 500]
    await kit.pay()
    outcomes = []
    for _ in range(3):
        outcomes += [r.outcome for r in await kit.deliver.run_once()]
        kit.app.clock.advance(seconds=60)
    assert outcomes == [DeliveryStatus.PENDING, DeliveryStatus.PENDING, DeliveryStatus.DELIVERED]
    [delivery] = await kit.deliveries()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)


async def test_a_network_error_is_an_attempt_with_its_error_kept(kit: Kit) -> None:
    kit.sender.script = [None]
    await kit.pay()
    [report] = await kit.deliver.run_once()
    assert (report.outcome, report.status_code) == (DeliveryStatus.PENDING, None)
    [delivery] = await kit.deliveries()
    assert delivery.last_error == "could not be sent: connection refused"
    assert delivery.next_attempt_time == kit.app.clock.now() + timedelta(seconds=15)


async def test_webhooks_of_one_payment_go_out_in_order_and_wait_behind_a_failing_one(kit: Kit) -> None:
    kit.sender.script = [500]
    await kit.pay()
    await kit.app.refund(RefundCommand(ORDER_NO, "R1", Money.from_yuan("99.90")))
    await kit.pay("T20261124002")
    first = await kit.deliver.run_once()
    assert sorted(r.outcome.value for r in first) == ["delivered", "pending"]  # one of each payment
    kit.app.clock.advance(seconds=15)
    for _ in range(3):
        await kit.deliver.run_once()
    sent = [(r.json()["type"], r.json()["data"].get("order_no") or r.json()["data"]["refund_no"])
            for r in kit.sender.requests]
    mine = [s for s in sent if s[1] in (ORDER_NO, "R1")]
    assert mine == [("payment.succeeded", ORDER_NO), ("payment.succeeded", ORDER_NO),
                    ("refund.succeeded", "R1"), ("payment.refunded", ORDER_NO)]


async def test_a_crash_between_sending_and_recording_sends_the_webhook_again(kit: Kit) -> None:
    await kit.pay()
    kit.sender.crash = True
    assert await kit.deliver.run_once() == []
    kit.sender.crash = False
    assert await kit.deliver.run_once() == []  # still leased to the "dead" attempt
    kit.app.clock.advance(seconds=61)
    [report] = await kit.deliver.run_once()
    assert report.outcome is DeliveryStatus.DELIVERED
    assert [r.json()["id"] for r in kit.sender.requests] == [report.event_id] * 2


async def test_a_message_leased_by_another_worker_is_left_alone_until_its_lease_runs_out(kit: Kit) -> None:
    await kit.pay()
    async with kit.app.uow() as uow:
        await uow.outbox.claim(kit.app.clock.now(), 10, 60, "elsewhere")
        await uow.commit()
    assert await kit.deliver.run_once() == []
    kit.app.clock.advance(seconds=61)
    assert len(await kit.deliver.run_once()) == 1


async def test_every_attempt_is_logged_with_url_status_latency_and_snippet(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    kit.sender.script = [502]
    await kit.pay()
    with caplog.at_level(logging.INFO, logger="paycore.webhooks"):
        await kit.deliver.run_once()
        kit.app.clock.advance(seconds=15)
        await kit.deliver.run_once()
    lines = [r.getMessage() for r in caplog.records if r.name == "paycore.webhooks"]
    assert len(lines) == 2
    assert f"url={HOOK}" in lines[0]
    assert "status=502" in lines[0]
    assert "latency=20ms" in lines[0]
    assert "snippet='upstream broke'" in lines[0]
    assert "outcome=pending" in lines[0]
    assert "outcome=delivered" in lines[1]


async def test_an_operator_resend_is_one_more_attempt_failed_again_at_once_if_it_fails(kit: Kit) -> None:
    kit.sender.script = [500, 500, 500, 500]
    await kit.pay()
    for _ in range(3):
        await kit.deliver.run_once()
        kit.app.clock.advance(seconds=60)
    admin = WebhookDeliveries(kit.app.uow, kit.app.clock)
    [failed] = (await admin.list(DeliveryStatus.FAILED)).items
    retried = await admin.retry(failed.delivery_id)
    assert (retried.status, retried.attempts, retried.url) == (DeliveryStatus.PENDING, 3, HOOK)
    [again] = await kit.deliver.run_once()
    assert again.outcome is DeliveryStatus.FAILED  # the 4th 500: no fresh schedule to hold later webhooks back
    await admin.retry(failed.delivery_id)
    [done] = await kit.deliver.run_once()
    assert done.outcome is DeliveryStatus.DELIVERED
    assert (await admin.get(failed.delivery_id)).message.attempts == 5
    with pytest.raises(DeliveryNotFailed):
        await admin.retry(failed.delivery_id)
    with pytest.raises(DeliveryNotFound):
        await admin.retry(424242)


async def test_the_admin_list_shows_where_an_unattempted_delivery_will_go_and_pages(kit: Kit) -> None:
    for n in range(3):
        await kit.pay(f"T2026112400{n}", notify_url=None)
    admin = WebhookDeliveries(kit.app.uow, kit.app.clock)
    first = await admin.list(DeliveryStatus.PENDING, limit=2)
    assert [m.url for m in first.items] == [KEY_HOOK, KEY_HOOK]
    assert first.next_cursor is not None
    second = await admin.list(DeliveryStatus.PENDING, limit=2, cursor=first.next_cursor)
    assert [m.order_no for m in [*first.items, *second.items]] == ["T20261124002", "T20261124001", "T20261124000"]
    assert second.next_cursor is None
    assert (await admin.list(DeliveryStatus.DELIVERED)).items == []
