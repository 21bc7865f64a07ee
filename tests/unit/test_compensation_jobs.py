"""The compensation jobs on fakes: expiry closes, lost-notification syncs, refund syncs, expiry reminders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from application.errors import ProviderUnavailable
from application.expire_payments import ExpirePayments
from application.refund_payment import RefundCommand
from application.remind_expiring import RemindExpiring, reminder_event_id
from application.sweeping import Backoff
from application.sync_unpaid import SyncRefunds, SyncUnpaid
from domain.events import EventType, Source
from domain.money import Money
from domain.status import RefundStatus, TradeStatus
from tests.unit.builders import T0
from tests.unit.harness import App, build_app, order

ORDER = "T20261124001"
SYNC_AFTER = 60


@dataclass
class Jobs:
    """The four jobs over one app."""

    app: App
    expire: ExpirePayments
    sync: SyncUnpaid
    refunds: SyncRefunds
    remind: RemindExpiring


def jobs_for(app: App, worker_id: str = "w1") -> Jobs:
    """The jobs as the worker wires them, over the app's store, providers and clock."""
    return Jobs(app, ExpirePayments(app.uow, app.close, app.clock, worker_id),
                SyncUnpaid(app.uow, app.sync, app.clock, SYNC_AFTER, worker_id),
                SyncRefunds(app.uow, app.sync_refund, app.clock, SYNC_AFTER, worker_id),
                RemindExpiring(app.uow, app.clock, 5))


@pytest.fixture
def jobs(app: App) -> Jobs:
    """The jobs over the default app."""
    return jobs_for(app)


def last_source(app: App) -> Source:
    """Who made the latest journal entry of ORDER."""
    return app.store.journal[ORDER][-1].event.source


async def test_an_expired_unpaid_payment_is_closed_at_the_provider_then_locally_by_the_worker(jobs: Jobs) -> None:
    app = jobs.app
    await app.create(order())
    app.clock.advance(minutes=29)
    assert await jobs.expire.run_once() == 0
    app.clock.advance(minutes=1)
    assert await jobs.expire.run_once() == 1
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_CLOSED
    assert app.alipay.calls.count("close") == 1
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED, EventType.PAYMENT_CLOSED]
    assert last_source(app) is Source.WORKER
    assert await jobs.expire.run_once() == 0


async def test_an_expired_payment_the_buyer_paid_after_all_becomes_paid_instead_of_closed(jobs: Jobs) -> None:
    app = jobs.app
    await app.create(order())
    app.alipay.pay(ORDER)  # the notification is lost
    app.clock.advance(minutes=31)
    assert await jobs.expire.run_once() == 1
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_SUCCESS
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED, EventType.PAYMENT_SUCCEEDED]
    assert last_source(app) is Source.WORKER


async def test_a_provider_outage_at_expiry_keeps_the_payment_and_tries_again_with_backoff(jobs: Jobs) -> None:
    app = jobs.app
    await app.create(order())
    app.clock.advance(minutes=31)
    app.alipay.fail_with = ProviderUnavailable("Alipay did not answer")
    assert await jobs.expire.run_once() == 1
    assert await jobs.expire.run_once() == 0  # waiting out the backoff, not dropped
    app.clock.advance(seconds=30)
    assert await jobs.expire.run_once() == 1
    app.clock.advance(seconds=59)
    assert await jobs.expire.run_once() == 0  # the second wait is twice the first
    app.alipay.fail_with = None
    app.clock.advance(seconds=1)
    assert await jobs.expire.run_once() == 1
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_CLOSED
    assert app.alipay.calls.count("close") == 3


async def test_a_lost_notification_still_ends_in_trade_success_through_the_sync_job(jobs: Jobs) -> None:
    app = jobs.app
    await app.create(order())
    app.alipay.pay(ORDER)  # the notification is lost
    app.clock.advance(seconds=SYNC_AFTER - 1)
    assert await jobs.sync.run_once() == 0
    app.clock.advance(seconds=1)
    assert await jobs.sync.run_once() == 1
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_SUCCESS
    assert last_source(app) is Source.WORKER
    app.clock.advance(hours=1)
    assert await jobs.sync.run_once() == 0


async def test_the_sync_job_backs_off_1_2_4_times_and_hands_over_to_expiry(jobs: Jobs) -> None:
    app = jobs.app
    await app.create(order())
    looked_at: list[float] = []
    for _ in range(40 * 60):
        app.clock.advance(seconds=1)
        if await jobs.sync.run_once():
            looked_at.append((app.clock.now() - T0).total_seconds())
    # Due at 60 s, then waits of 60, 120, 240, 480 s; the next (960 s) would pass expiry at 1800 s.
    assert looked_at == [60, 120, 240, 480, 960]
    assert app.alipay.calls.count("query") == 5


async def test_a_provider_outage_during_sync_keeps_the_payment_due_later(jobs: Jobs) -> None:
    app = jobs.app
    await app.create(order())
    app.alipay.pay(ORDER)
    app.clock.advance(seconds=SYNC_AFTER)
    app.alipay.fail_with = ProviderUnavailable("WeChat did not answer")
    assert await jobs.sync.run_once() == 1
    assert (await app.stored(ORDER)).status is TradeStatus.WAIT_BUYER_PAY
    app.alipay.fail_with = None
    app.clock.advance(seconds=SYNC_AFTER)
    assert await jobs.sync.run_once() == 1
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_SUCCESS


async def test_a_processing_refund_is_queried_until_final() -> None:
    app = build_app(refunds_settle_at_once=False)
    jobs = jobs_for(app)
    await app.create_paid()
    await app.refund(RefundCommand(ORDER, "R1", Money.from_yuan("10.00")))
    app.clock.advance(seconds=SYNC_AFTER)
    assert await jobs.refunds.run_once() == 1
    assert (await app.stored(ORDER)).refunds["R1"].status is RefundStatus.PROCESSING
    app.alipay.refunds_settle_at_once = True
    assert await jobs.refunds.run_once() == 0  # backing off
    app.clock.advance(seconds=SYNC_AFTER)
    assert await jobs.refunds.run_once() == 1
    stored = await app.stored(ORDER)
    assert stored.refunds["R1"].status is RefundStatus.SUCCESS
    assert stored.refunded_amount == Money.from_yuan("10.00")
    assert last_source(app) is Source.WORKER
    app.clock.advance(hours=2)
    assert await jobs.refunds.run_once() == 0


async def test_a_refund_sync_during_an_outage_is_retried_later() -> None:
    app = build_app(refunds_settle_at_once=False)
    jobs = jobs_for(app)
    await app.create_paid()
    await app.refund(RefundCommand(ORDER, "R1", Money.from_yuan("10.00")))
    app.alipay.fail_with = ProviderUnavailable("down")
    app.clock.advance(seconds=SYNC_AFTER)
    assert await jobs.refunds.run_once() == 1
    app.alipay.fail_with, app.alipay.refunds_settle_at_once = None, True
    app.clock.advance(seconds=SYNC_AFTER)
    assert await jobs.refunds.run_once() == 1
    assert (await app.stored(ORDER)).refunds["R1"].status is RefundStatus.SUCCESS


async def test_an_expiry_reminder_is_queued_once_five_minutes_before_expiry_and_not_journaled(jobs: Jobs) -> None:
    app = jobs.app
    await app.create(order())
    app.clock.advance(minutes=24, seconds=59)
    assert await jobs.remind.run_once() == 0
    app.clock.advance(seconds=1)
    assert await jobs.remind.run_once() == 1
    assert await jobs.remind.run_once() == 0
    assert [(r["event_type"], r["event_id"]) for r in app.store.outbox] == [
        ("payment.expiring", reminder_event_id(ORDER))]
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED]


async def test_no_reminder_for_a_payment_paid_or_closed_before_its_window(jobs: Jobs) -> None:
    app = jobs.app
    await app.create_paid()
    await app.create(order(order_no="T20261124002"))
    await app.close("T20261124002")
    app.clock.advance(minutes=27)
    assert await jobs.remind.run_once() == 0
    assert "payment.expiring" not in [r["event_type"] for r in app.store.outbox]


async def test_two_workers_sweeping_at_once_call_the_provider_once_per_payment(app: App) -> None:
    first, second = jobs_for(app, "w1"), jobs_for(app, "w2")
    for n in range(5):
        await app.create(order(order_no=f"T2026112400{n}"))
    app.clock.advance(minutes=31)
    assert sum(await asyncio.gather(first.expire.run_once(), second.expire.run_once())) == 5
    assert app.alipay.calls.count("close") == 5


def test_backoff_doubles_from_its_base_and_stops_at_its_cap() -> None:
    backoff = Backoff(10, cap_seconds=50)
    assert [(backoff.after(T0, n) - T0).total_seconds() for n in (1, 2, 3, 4, 40)] == [10, 20, 40, 50, 50]
