"""The Outbox after a final failure, on every backend: a failed message holds nothing back, a pending one
still does, a resend keeps its place and its attempt count, and every attempt is kept as its own record."""

from __future__ import annotations

import asyncio

from application.ports.storage import UnitOfWorkFactory
from application.records import DeliveryAttempt, DeliveryOutcome, DeliveryStatus, OutboxMessage
from tests.contract.helpers import ORDER_NO, at
from tests.contract.test_outbox import NOW, OTHER, claim, closed, delivered, get, paid_and_refunded, record, types

URL = "https://shop.example/hooks"


def failed(attempts: int, at_: float = 1000) -> DeliveryOutcome:
    """The last attempt of the schedule went wrong."""
    return DeliveryOutcome(DeliveryStatus.FAILED, at(at_), attempts, url=URL, status_code=503,
                           error="HTTP 503: down", latency_seconds=0.25, snippet="down")


async def resend(uow_factory: UnitOfWorkFactory, delivery_id: int, when: float = 1000) -> None:
    """What an operator's retry does."""
    async with uow_factory() as uow:
        assert await uow.outbox.retry(delivery_id, at(when))
        await uow.commit()


async def history(uow_factory: UnitOfWorkFactory, delivery_id: int) -> list[DeliveryAttempt]:
    """The stored attempts of a delivery."""
    async with uow_factory() as uow:
        return list(await uow.outbox.attempts(delivery_id))


async def test_a_failed_message_no_longer_holds_its_payment_s_later_ones_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    assert await record(uow_factory, first, failed(5))
    assert types(await claim(uow_factory)) == [(ORDER_NO, "refund.succeeded")]


async def test_a_message_still_being_retried_holds_its_payment_s_later_ones_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    retry = DeliveryOutcome(DeliveryStatus.PENDING, NOW, 1, at(5000), url=URL, status_code=500, error="HTTP 500")
    assert await record(uow_factory, first, retry)
    assert await claim(uow_factory, now=at(4999)) == []
    assert [m.delivery_id for m in await claim(uow_factory, now=at(5000))] == [first.delivery_id]


async def test_a_resend_goes_out_in_its_place_without_resending_what_was_delivered_meanwhile(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    assert await record(uow_factory, first, failed(5))
    [second] = await claim(uow_factory)
    assert await record(uow_factory, second, delivered())

    await resend(uow_factory, first.delivery_id, 2000)
    [again] = await claim(uow_factory, now=at(2000))  # payment.refunded waits behind the resend
    assert (again.delivery_id, again.attempts) == (first.delivery_id, 5)
    assert await record(uow_factory, again, delivered(attempts=6))
    assert types(await claim(uow_factory, now=at(2000))) == [(ORDER_NO, "payment.refunded")]
    assert (await get(uow_factory, second.delivery_id)).status is DeliveryStatus.DELIVERED


async def test_each_attempt_is_kept_with_its_outcome_status_latency_snippet_error_and_time(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await closed(uow_factory)
    [message] = await claim(uow_factory)
    retry = DeliveryOutcome(DeliveryStatus.PENDING, at(1000), 1, at(1010), url=URL, status_code=500,
                            error="HTTP 500: " + "x" * 300, latency_seconds=0.0424, snippet="x" * 300)
    assert await record(uow_factory, message, retry)
    [message] = await claim(uow_factory, now=at(1010))
    offline = DeliveryOutcome(DeliveryStatus.FAILED, at(1011), 2, url=URL, error="could not be sent: refused",
                              latency_seconds=1.5)
    assert await record(uow_factory, message, offline)
    await resend(uow_factory, message.delivery_id, 2000)
    [message] = await claim(uow_factory, now=at(2000))
    ok = DeliveryOutcome(DeliveryStatus.DELIVERED, at(2001), 3, url=URL, status_code=204, latency_seconds=0.01,
                         snippet="")
    assert await record(uow_factory, message, ok)

    first, second, third = await history(uow_factory, message.delivery_id)
    assert first == DeliveryAttempt(1, DeliveryStatus.PENDING, at(1000), URL, 500, 42, "x" * 200,
                                    "HTTP 500: " + "x" * 300)
    assert second == DeliveryAttempt(2, DeliveryStatus.FAILED, at(1011), URL, None, 1500, "",
                                     "could not be sent: refused")
    assert third == DeliveryAttempt(3, DeliveryStatus.DELIVERED, at(2001), URL, 204, 10, "", None)
    assert (await get(uow_factory, message.delivery_id)).attempts == 3


async def test_an_attempt_is_kept_only_with_its_outcome_by_the_lease_holder(uow_factory: UnitOfWorkFactory) -> None:
    await closed(uow_factory)
    await paid_and_refunded(uow_factory)
    [mine, lost] = await claim(uow_factory, "w1")
    assert not await record(uow_factory, lost, delivered(), worker="w2")  # not w2's lease
    async with uow_factory() as uow:
        assert await uow.outbox.record(mine.delivery_id, "w1", delivered())  # not committed
    skipped = DeliveryOutcome(DeliveryStatus.SKIPPED, NOW, 0, error="no URL")
    assert await record(uow_factory, lost, skipped)
    assert await history(uow_factory, mine.delivery_id) == []
    assert await history(uow_factory, lost.delivery_id) == []
    assert await history(uow_factory, 999_999) == []


async def test_claimers_racing_past_failed_messages_lease_each_later_one_once_and_in_order(
    uow_factory: UnitOfWorkFactory,
) -> None:
    order_nos = [f"T2026112420{n:02d}" for n in range(8)]
    for order_no in order_nos:
        await paid_and_refunded(uow_factory, order_no)
    await closed(uow_factory, OTHER)
    firsts = await claim(uow_factory, limit=20)
    for message in firsts:
        if message.order_no != OTHER:
            assert await record(uow_factory, message, failed(5))

    async def claim_and_deliver(worker: str) -> list[OutboxMessage]:
        claimed = await claim(uow_factory, worker, limit=3)
        for message in claimed:
            assert await record(uow_factory, message, delivered(), worker=worker)
        return claimed

    sent: list[OutboxMessage] = []
    for _ in range(4):  # each round: four workers at once
        for claimed in await asyncio.gather(*(claim_and_deliver(f"w{n}") for n in range(4))):
            sent += claimed
    ids = [m.delivery_id for m in sent]
    assert len(ids) == len(set(ids)) == 2 * len(order_nos)
    for order_no in order_nos:
        assert [m.event_type for m in sent if m.order_no == order_no] == ["refund.succeeded", "payment.refunded"]
