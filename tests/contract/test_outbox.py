"""The webhook Outbox contract, run against every backend (memory, SQLite, PostgreSQL, MySQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from application.ports.storage import UnitOfWorkFactory
from application.records import DeliveryOutcome, DeliveryStatus, OutboxMessage
from domain.events import Source
from domain.money import Money
from tests.contract.helpers import ORDER_NO, at, load, new_payment, paid, refund_succeeded, save_and_commit, store

OTHER = "T20261124002"
NOW = at(1000)
LEASE = 60.0


async def paid_and_refunded(uow_factory: UnitOfWorkFactory, order_no: str = ORDER_NO) -> None:
    """A payment with three webhooks: payment.succeeded, refund.succeeded, payment.refunded."""
    await store(uow_factory, new_payment(order_no))
    async with uow_factory() as uow:
        payment = await load(uow_factory, order_no)
        payment.apply(paid(order_no, f"N-paid-{order_no}"), Source.NOTIFY, at(61))
        payment.request_refund("R" + order_no, Money.of("99.90"), "", at(100))
        payment.apply(refund_succeeded("R" + order_no, "99.90", f"N-refund-{order_no}", order_no),
                      Source.NOTIFY, at(201))
        await save_and_commit(uow, payment)


async def closed(uow_factory: UnitOfWorkFactory, order_no: str = OTHER) -> None:
    """A payment with one webhook: payment.closed."""
    await store(uow_factory, new_payment(order_no))
    async with uow_factory() as uow:
        payment = await load(uow_factory, order_no)
        payment.close(Source.API, at(10))
        await save_and_commit(uow, payment)


async def claim(uow_factory: UnitOfWorkFactory, worker: str = "w1", now: datetime = NOW,
                limit: int = 10) -> list[OutboxMessage]:
    """Claim and commit."""
    async with uow_factory() as uow:
        claimed = await uow.outbox.claim(now, limit, LEASE, worker)
        await uow.commit()
    return list(claimed)


async def record(uow_factory: UnitOfWorkFactory, message: OutboxMessage, outcome: DeliveryOutcome,
                 worker: str = "w1") -> bool:
    """Record and commit."""
    async with uow_factory() as uow:
        held = await uow.outbox.record(message.delivery_id, worker, outcome)
        await uow.commit()
    return held


async def get(uow_factory: UnitOfWorkFactory, delivery_id: int) -> OutboxMessage:
    """A message that must exist."""
    async with uow_factory() as uow:
        message = await uow.outbox.get(delivery_id)
    assert message is not None
    return message


def delivered(attempts: int = 1) -> DeliveryOutcome:
    """A 2xx."""
    return DeliveryOutcome(DeliveryStatus.DELIVERED, NOW, attempts, url="https://shop.example/hooks", status_code=204,
                           latency_seconds=0.012)


def types(messages: Sequence[OutboxMessage]) -> list[tuple[str | None, str]]:
    """(order_no, event_type) of each."""
    return [(m.order_no, m.event_type) for m in messages]


async def test_only_the_oldest_message_of_each_payment_is_claimed(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    await closed(uow_factory)
    claimed = await claim(uow_factory)
    assert types(claimed) == [(ORDER_NO, "payment.succeeded"), (OTHER, "payment.closed")]
    first = claimed[0]
    assert (first.status, first.attempts, first.refund_no, first.created) == (DeliveryStatus.PENDING, 0, None, at(61))


async def test_a_message_is_not_claimed_before_its_time(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    assert await claim(uow_factory, now=at(60)) == []
    assert types(await claim(uow_factory, now=at(61))) == [(ORDER_NO, "payment.succeeded")]


async def test_the_limit_takes_the_longest_waiting_first(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)  # due at(61)
    await closed(uow_factory)  # due at(10)
    assert types(await claim(uow_factory, limit=1)) == [(OTHER, "payment.closed")]


async def test_a_delivered_message_lets_the_next_one_of_its_payment_through_in_order(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await paid_and_refunded(uow_factory)
    seen = []
    while claimed := await claim(uow_factory):
        assert len(claimed) == 1
        seen.append(claimed[0].event_type)
        assert await record(uow_factory, claimed[0], delivered())
    assert seen == ["payment.succeeded", "refund.succeeded", "payment.refunded"]


async def test_a_leased_message_is_not_claimed_again_until_its_lease_runs_out(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory, "w1")
    assert await claim(uow_factory, "w2", at(1000 + LEASE - 1)) == []
    [again] = await claim(uow_factory, "w2", at(1000 + LEASE + 1))
    assert again.delivery_id == first.delivery_id
    assert not await record(uow_factory, first, delivered(), worker="w1")  # w1 lost its lease
    assert await record(uow_factory, again, delivered(), worker="w2")
    assert (await get(uow_factory, first.delivery_id)).status is DeliveryStatus.DELIVERED


async def test_two_claimers_at_once_never_get_the_same_message(uow_factory: UnitOfWorkFactory) -> None:
    order_nos = [f"T2026112410{n:02d}" for n in range(12)]
    for order_no in order_nos:
        await closed(uow_factory, order_no)
    results = await asyncio.gather(*(claim(uow_factory, f"w{n}", limit=5) for n in range(4)))
    ids = [m.delivery_id for claimed in results for m in claimed]
    assert len(ids) == len(set(ids))
    assert len(ids) == 12
    assert sorted(m.order_no or "" for claimed in results for m in claimed) == order_nos


async def test_a_retry_waits_for_its_time_and_holds_the_payment_s_later_messages_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    retry = DeliveryOutcome(DeliveryStatus.PENDING, NOW, 1, at(1015), url="https://shop.example/hooks",
                            status_code=500, error="HTTP 500: oops", latency_seconds=0.2)
    assert await record(uow_factory, first, retry)
    assert await claim(uow_factory, now=at(1014)) == []
    [again] = await claim(uow_factory, now=at(1015))
    assert (again.delivery_id, again.attempts, again.last_status_code, again.last_error) == (
        first.delivery_id, 1, 500, "HTTP 500: oops")
    assert again.url == "https://shop.example/hooks"


async def test_a_resent_message_waits_for_its_time_and_keeps_its_attempt_count(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await closed(uow_factory)
    [first] = await claim(uow_factory)
    failed = DeliveryOutcome(DeliveryStatus.FAILED, NOW, 4, url="https://shop.example/hooks", error="timed out")
    assert await record(uow_factory, first, failed)
    assert await claim(uow_factory, now=at(99999)) == []

    async with uow_factory() as uow:
        assert await uow.outbox.retry(first.delivery_id, at(2000))
        await uow.commit()
    assert await claim(uow_factory, now=at(1999)) == []
    [again] = await claim(uow_factory, now=at(2000))
    assert (again.delivery_id, again.status, again.attempts) == (first.delivery_id, DeliveryStatus.PENDING, 4)


async def test_only_a_failed_message_can_be_retried(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    async with uow_factory() as uow:
        assert not await uow.outbox.retry(first.delivery_id, NOW)  # pending, leased
        assert not await uow.outbox.retry(999_999, NOW)
    assert await record(uow_factory, first, delivered())
    async with uow_factory() as uow:
        assert not await uow.outbox.retry(first.delivery_id, NOW)


async def test_a_skipped_message_does_not_hold_its_payment_back(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    skipped = DeliveryOutcome(DeliveryStatus.SKIPPED, NOW, 0, error="no URL")
    assert await record(uow_factory, first, skipped)
    assert types(await claim(uow_factory)) == [(ORDER_NO, "refund.succeeded")]
    stored = await get(uow_factory, first.delivery_id)
    assert (stored.status, stored.attempts, stored.last_error, stored.url) == (DeliveryStatus.SKIPPED, 0, "no URL",
                                                                               None)


async def test_a_delivery_keeps_its_url_status_code_and_time(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    assert await record(uow_factory, first, delivered())
    stored = await get(uow_factory, first.delivery_id)
    assert (stored.status, stored.attempts, stored.last_status_code, stored.url, stored.delivered_time) == (
        DeliveryStatus.DELIVERED, 1, 204, "https://shop.example/hooks", NOW)
    assert stored.event_id == first.event_id


async def test_an_outcome_not_committed_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    async with uow_factory() as uow:
        assert await uow.outbox.record(first.delivery_id, "w1", delivered())
    stored = await get(uow_factory, first.delivery_id)
    assert (stored.status, stored.attempts) == (DeliveryStatus.PENDING, 0)


async def test_the_refund_events_name_their_refund(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    [first] = await claim(uow_factory)
    await record(uow_factory, first, delivered())
    [second] = await claim(uow_factory)
    assert (second.event_type, second.refund_no) == ("refund.succeeded", "R" + ORDER_NO)


async def test_listing_is_newest_first_by_status_and_pages_by_id(uow_factory: UnitOfWorkFactory) -> None:
    await paid_and_refunded(uow_factory)
    await closed(uow_factory)
    claimed = await claim(uow_factory)
    await record(uow_factory, claimed[1], delivered())
    async with uow_factory() as uow:
        everything = await uow.outbox.list(None, 10)
        pending = await uow.outbox.list(DeliveryStatus.PENDING, 10)
        done = await uow.outbox.list(DeliveryStatus.DELIVERED, 10)
        failed = await uow.outbox.list(DeliveryStatus.FAILED, 10)
        first_page = await uow.outbox.list(None, 2)
        second_page = await uow.outbox.list(None, 2, before=first_page[-1].delivery_id)
    ids = [m.delivery_id for m in everything]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 4
    assert [m.event_type for m in pending] == ["payment.refunded", "refund.succeeded", "payment.succeeded"]
    assert types(done) == [(OTHER, "payment.closed")]
    assert failed == []
    assert [m.delivery_id for m in [*first_page, *second_page]] == ids
