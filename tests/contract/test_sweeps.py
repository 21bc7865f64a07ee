"""The Sweeps contract (the compensation jobs' schedules and leases), on every backend, with concurrent callers."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from application.errors import DuplicateKey
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from application.records import SweepClaim
from application.remind_expiring import RemindExpiring
from domain.events import DomainEvent, EventType, Source
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.updates import ProviderUpdate, UpdateKind
from tests.contract.helpers import ORDER_NO, T0, at, load, new_payment, outbox_event_ids, paid, save_and_commit, store

LEASE = 60.0
SYNC_AFTER = timedelta(seconds=300)


class Clock:
    """A fixed time."""

    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        """The fixed time."""
        return self.moment


async def claim_unpaid(uow_factory: UnitOfWorkFactory, now: datetime, worker: str = "w1",
                       limit: int = 10) -> Sequence[SweepClaim]:
    """Claim unpaid payments due for a query, and commit."""
    async with uow_factory() as uow:
        claimed = await uow.sweeps.claim_unpaid(now, now - SYNC_AFTER, limit, LEASE, worker)
        await uow.commit()
    return claimed


async def claim_expired(uow_factory: UnitOfWorkFactory, now: datetime, worker: str = "w1") -> Sequence[SweepClaim]:
    """Claim expired unpaid payments, and commit."""
    async with uow_factory() as uow:
        claimed = await uow.sweeps.claim_expired(now, 10, LEASE, worker)
        await uow.commit()
    return claimed


async def release(uow_factory: UnitOfWorkFactory, order_no: str, next_time: datetime, attempts: int,
                  worker: str = "w1") -> bool:
    """Release a payment's lease, and commit."""
    async with uow_factory() as uow:
        held = await uow.sweeps.release_payment(order_no, worker, next_time, attempts)
        await uow.commit()
    return held


async def enqueue_and_commit(uow: UnitOfWork, event_id: str, event: DomainEvent) -> None:
    """Queue a webhook and commit."""
    await uow.outbox.enqueue(event_id, event)
    await uow.commit()


def keys(claims: Sequence[SweepClaim]) -> list[str]:
    """The claimed keys."""
    return [c.key for c in claims]


async def test_an_unpaid_payment_is_first_due_for_a_query_sync_after_seconds_after_creation(
        uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    assert await claim_unpaid(uow_factory, T0 + SYNC_AFTER - timedelta(seconds=1)) == []
    assert await claim_unpaid(uow_factory, T0 + SYNC_AFTER) == [SweepClaim(ORDER_NO, 0)]


async def test_a_leased_payment_is_not_claimed_again_until_released_or_its_lease_runs_out(
        uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    now = at(400)
    assert keys(await claim_unpaid(uow_factory, now, "w1")) == [ORDER_NO]
    assert await claim_unpaid(uow_factory, now, "w2") == []
    assert not await release(uow_factory, ORDER_NO, at(500), 1, worker="w2")
    assert await release(uow_factory, ORDER_NO, at(500), 1, worker="w1")
    assert await claim_unpaid(uow_factory, at(499)) == []
    assert await claim_unpaid(uow_factory, at(500), "w2") == [SweepClaim(ORDER_NO, 1)]
    # w2 dies holding it: once the lease has run out, w3 takes over and w2 can no longer release it.
    assert await claim_unpaid(uow_factory, at(500 + LEASE + 1), "w3") == [SweepClaim(ORDER_NO, 1)]
    assert not await release(uow_factory, ORDER_NO, at(900), 2, worker="w2")


async def test_expired_payments_are_claimed_after_expiry_and_after_their_backoff(
        uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    expiry = T0 + timedelta(minutes=30)
    assert await claim_expired(uow_factory, expiry - timedelta(seconds=1)) == []
    assert await claim_unpaid(uow_factory, expiry) == []  # past expiry the close takes over from the queries
    assert keys(await claim_expired(uow_factory, expiry)) == [ORDER_NO]
    assert await release(uow_factory, ORDER_NO, expiry + timedelta(seconds=30), 1)
    assert await claim_expired(uow_factory, expiry + timedelta(seconds=29)) == []
    assert await claim_expired(uow_factory, expiry + timedelta(seconds=30)) == [SweepClaim(ORDER_NO, 1)]


async def test_paid_payments_are_never_claimed(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    async with uow_factory() as uow:
        payment = await load(uow_factory)
        payment.apply(paid(), Source.NOTIFY, at(61))
        await save_and_commit(uow, payment)
    assert await claim_unpaid(uow_factory, at(400)) == []
    assert await claim_expired(uow_factory, at(4000)) == []


async def claim_open_attempts(uow_factory: UnitOfWorkFactory, now: datetime,
                              worker: str = "w1") -> Sequence[SweepClaim]:
    """Claim paid payments with attempts still open, and commit."""
    async with uow_factory() as uow:
        claimed = await uow.sweeps.claim_open_attempts(now, now - SYNC_AFTER, 10, LEASE, worker)
        await uow.commit()
    return claimed


async def test_a_paid_payment_with_an_open_attempt_is_claimed_until_the_attempt_is_closed(
        uow_factory: UnitOfWorkFactory) -> None:
    """The payer tried Alipay, then paid with WeChat, and the close at Alipay failed."""
    payment = dataclasses.replace(new_payment(), payment_type=None, pay_method=None, config_id=None,
                                  pay_methods=("alipay:pc", "wechat:native"))
    await store(uow_factory, payment)
    first, _ = payment.start_attempt(PaymentType.ALIPAY, PayMethod.PC, 101, at(10))
    second, _ = payment.start_attempt(PaymentType.WECHAT, PayMethod.NATIVE, 303, at(20))
    async with uow_factory() as uow:
        await save_and_commit(uow, payment)
    assert await claim_open_attempts(uow_factory, at(4000)) == []  # unpaid: its attempts are the sync's to ask
    payment = await load(uow_factory)
    payment.apply(paid(second.out_trade_no), Source.NOTIFY, at(61))
    async with uow_factory() as uow:
        await save_and_commit(uow, payment)
    paid_at = payment.payment_time
    assert paid_at is not None
    assert await claim_open_attempts(uow_factory, paid_at + SYNC_AFTER - timedelta(seconds=1)) == []
    assert keys(await claim_open_attempts(uow_factory, paid_at + SYNC_AFTER)) == [ORDER_NO]
    assert await claim_open_attempts(uow_factory, paid_at + SYNC_AFTER, "w2") == []  # leased to w1
    assert await release(uow_factory, ORDER_NO, paid_at + SYNC_AFTER * 2, 1)
    assert await claim_open_attempts(uow_factory, paid_at + SYNC_AFTER * 2, "w2") == [SweepClaim(ORDER_NO, 1)]
    assert await release(uow_factory, ORDER_NO, paid_at + SYNC_AFTER * 3, 2, "w2")
    payment = await load(uow_factory)
    payment.apply(ProviderUpdate(kind=UpdateKind.CLOSED, order_no=first.out_trade_no, occurred_at=at(700),
                                 raw={"trade_status": "TRADE_CLOSED"}), Source.WORKER, at(700))
    async with uow_factory() as uow:
        await save_and_commit(uow, payment)
    assert await claim_open_attempts(uow_factory, paid_at + SYNC_AFTER * 10) == []  # closed: nothing left to do
    assert await claim_unpaid(uow_factory, at(4000)) == []
    assert await claim_expired(uow_factory, at(4000)) == []


async def test_processing_refunds_are_claimed_until_they_settle(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    async with uow_factory() as uow:
        payment = await load(uow_factory)
        payment.apply(paid(), Source.NOTIFY, at(61))
        payment.request_refund("R1", Money.of("10.00"), "", at(100))
        await save_and_commit(uow, payment)
    async with uow_factory() as uow:
        assert await uow.sweeps.claim_refunds(at(399), at(99), 10, LEASE, "w1") == []
        assert await uow.sweeps.claim_refunds(at(400), at(100), 10, LEASE, "w1") == [SweepClaim("R1", 0)]
        assert await uow.sweeps.claim_refunds(at(400), at(100), 10, LEASE, "w2") == []
        assert await uow.sweeps.release_refund("R1", "w1", at(460), 1)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sweeps.claim_refunds(at(460), at(160), 10, LEASE, "w1") == [SweepClaim("R1", 1)]


async def test_concurrent_claimers_never_lease_one_payment_twice(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, *(new_payment(f"T2026112400{n:02d}") for n in range(30)))
    for now in (at(400), at(400 + LEASE + 1)):  # fresh rows, then rows whose leases ran out
        claims = await asyncio.gather(*(claim_unpaid(uow_factory, now, f"w{n}", limit=12) for n in range(4)))
        claimed = [k for batch in claims for k in keys(batch)]
        assert len(claimed) == len(set(claimed)), "a payment was leased to two workers"


async def test_a_payment_is_reminded_once_even_by_workers_racing(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    window_opens = T0 + timedelta(minutes=25)
    async with uow_factory() as uow:
        assert await uow.sweeps.expiring(window_opens - timedelta(seconds=1), T0 + timedelta(minutes=29), 10) == []
        assert await uow.sweeps.expiring(window_opens, window_opens + timedelta(minutes=5), 10) == [ORDER_NO]
    workers = [RemindExpiring(uow_factory, Clock(window_opens), 5) for _ in range(8)]
    assert sum(await asyncio.gather(*(w.run_once() for w in workers))) == 1
    assert len(await outbox_event_ids(uow_factory)) == 1
    async with uow_factory() as uow:
        assert await uow.sweeps.expiring(window_opens, window_opens + timedelta(minutes=5), 10) == []
        assert not await uow.sweeps.mark_reminded(ORDER_NO, window_opens)


async def test_an_enqueued_event_id_is_unique_in_the_outbox(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, new_payment())
    event = DomainEvent(EventType.PAYMENT_EXPIRING, ORDER_NO, "WAIT_BUYER_PAY", "WAIT_BUYER_PAY", Money.of("99.90"),
                        Source.WORKER, at(1500))
    async with uow_factory() as uow:
        await uow.outbox.enqueue("evt_reminder_1", event)
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(DuplicateKey):  # at once on SQL, at commit in memory
            await enqueue_and_commit(uow, "evt_reminder_1", event)
    async with uow_factory() as uow:
        [message] = await uow.outbox.list(None, 10)
    assert (message.event_type, message.order_no) == ("payment.expiring", ORDER_NO)
