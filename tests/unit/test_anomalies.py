"""Anomalies are loud: a payment paid after its close is journaled, sent as a webhook, counted and logged at
WARNING; with PAYCORE_REFUND_PAID_AFTER_CLOSE paycore refunds it in full by itself."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from adapters.memory.store import MemoryStore
from adapters.memory.uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from application.anomalies import AUTO_REFUND_REASON, auto_refund_no
from application.apply_update import Outcome
from application.errors import ProviderUnavailable
from application.refund_payment import RefundCommand
from domain.errors import RefundExceedsPaid
from domain.events import EventType, Source
from domain.money import Money
from domain.status import RefundStatus, TradeStatus
from domain.updates import UpdateKind
from tests.unit.harness import ALIPAY, App, build_app, order

ORDER = "T20261124001"
E = EventType


class CountingAlerts:
    """Counts anomalies by kind, as the metrics do."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def raised(self, kind: str) -> None:
        self.counts[kind] += 1


class Crash(BaseException):
    """The process dying: nothing catches it."""


class DyingUnitOfWork(MemoryUnitOfWork):
    """A unit of work whose commit kills the process once the factory's commits run out."""

    def __init__(self, store: MemoryStore, factory: DyingUnitOfWorkFactory) -> None:
        super().__init__(store)
        self._factory = factory

    async def commit(self) -> None:
        if self._factory.commits_left == 0:
            raise Crash
        if self._factory.commits_left is not None:
            self._factory.commits_left -= 1
        await super().commit()


class DyingUnitOfWorkFactory(MemoryUnitOfWorkFactory):
    """Units of work that commit `commits_left` more times (None: forever), then die."""

    commits_left: int | None = None

    def __call__(self) -> DyingUnitOfWork:
        return DyingUnitOfWork(self.store, self)


async def close_then_pay(app: App, order_no: str = ORDER) -> Outcome:
    """Create, close locally (the provider had not taken the money yet), then the late paid notification."""
    await app.create(order(order_no=order_no))
    await app.close(order_no)
    app.clock.advance(minutes=3)
    return (await app.notify(app.alipay.pay(order_no))).outcome


def outbox_types(app: App, order_no: str = ORDER) -> list[str]:
    """The webhook event types queued for a payment, in order."""
    return [row["event_type"] for row in app.store.outbox if row["order_no"] == order_no]


async def test_a_payment_paid_after_close_is_journaled_sent_counted_and_logged_but_not_refunded_by_default(
    caplog: pytest.LogCaptureFixture,
) -> None:
    alerts = CountingAlerts()
    app = build_app(alerts=alerts)
    with caplog.at_level(logging.WARNING, logger="paycore.anomalies"):
        assert await close_then_pay(app) is Outcome.APPLIED

    assert await app.journal(ORDER) == [E.PAYMENT_CREATED, E.PAYMENT_CLOSED, E.PAYMENT_ANOMALY, E.PAYMENT_SUCCEEDED]
    assert outbox_types(app) == ["payment.closed", "payment.anomaly", "payment.succeeded"]
    assert alerts.counts == {"paid_after_close": 1}
    (line,) = [r for r in caplog.records if r.name == "paycore.anomalies"]
    assert line.levelno == logging.WARNING
    assert f"kind=paid_after_close order_no={ORDER}" in line.getMessage()
    stored = await app.stored(ORDER)
    assert (stored.status, stored.refunds) == (TradeStatus.TRADE_SUCCESS, {})
    assert "refund" not in app.alipay.calls


async def test_with_the_setting_on_paycore_refunds_a_payment_paid_after_close_in_full_by_itself() -> None:
    app = build_app(refund_paid_after_close=True)
    await close_then_pay(app)

    stored = await app.stored(ORDER)
    refund = stored.refunds[auto_refund_no(ORDER)]
    assert auto_refund_no(ORDER) == f"AUTO_{ORDER}"
    assert (refund.amount, refund.status, refund.reason) == (Money(9990), RefundStatus.SUCCESS, AUTO_REFUND_REASON)
    assert (stored.status, stored.refunded_amount) == (TradeStatus.REFUNDED, Money(9990))
    assert await app.journal(ORDER) == [E.PAYMENT_CREATED, E.PAYMENT_CLOSED, E.PAYMENT_ANOMALY, E.PAYMENT_SUCCEEDED,
                                        E.REFUND_CREATED, E.REFUND_SUCCEEDED, E.PAYMENT_REFUNDED]
    assert outbox_types(app) == ["payment.closed", "payment.anomaly", "payment.succeeded", "refund.succeeded",
                                 "payment.refunded"]
    created = (await app.entries(ORDER))[4].event
    assert (created.source, created.refund_no) == (Source.NOTIFY, auto_refund_no(ORDER))
    assert app.alipay.orders[ORDER].refunds == {auto_refund_no(ORDER): Money(9990)}


async def test_an_ordinary_payment_is_no_anomaly_and_is_never_refunded_by_paycore() -> None:
    alerts = CountingAlerts()
    app = build_app(refund_paid_after_close=True, alerts=alerts)
    await app.create_paid()
    assert (await app.stored(ORDER)).refunds == {}
    assert not alerts.counts


async def test_a_repeated_late_notification_adds_no_second_anomaly_or_refund() -> None:
    alerts = CountingAlerts()
    app = build_app(refund_paid_after_close=True, alerts=alerts)
    await close_then_pay(app)
    again = await app.notify(app.alipay.pay(ORDER))
    synced = await app.sync(ORDER)
    assert again.outcome is Outcome.ALREADY_APPLIED
    assert synced.status is TradeStatus.REFUNDED
    assert app.alipay.calls.count("refund") == 1
    assert alerts.counts == {"paid_after_close": 1}
    assert (await app.journal(ORDER)).count(E.PAYMENT_ANOMALY) == 1


async def test_a_refund_that_cannot_be_sent_stays_processing_and_holds_the_money() -> None:
    app = build_app(refund_paid_after_close=True)
    await app.create(order())
    await app.close(ORDER)
    update = app.alipay.pay(ORDER)
    app.alipay.fail_with = ProviderUnavailable("the provider is down")

    assert (await app.notify(update)).outcome is Outcome.APPLIED  # acknowledged: the fact is committed

    stored = await app.stored(ORDER)
    assert stored.status is TradeStatus.TRADE_SUCCESS
    assert stored.refunds[auto_refund_no(ORDER)].status is RefundStatus.PROCESSING
    app.alipay.fail_with = None
    with pytest.raises(RefundExceedsPaid):  # the business system cannot refund the money a second time
        await app.refund(RefundCommand(ORDER, "R-1", Money(1)))
    settled = await app.sync_refund(auto_refund_no(ORDER))
    assert settled.status is TradeStatus.REFUNDED


async def test_a_refund_number_already_used_by_another_payment_leaves_the_anomaly_for_an_operator(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build_app(refund_paid_after_close=True)
    other = "T20261124999"
    await app.create_paid(other)
    await app.refund(RefundCommand(other, auto_refund_no(ORDER), Money(100)))
    with caplog.at_level(logging.ERROR, logger="paycore.anomalies"):
        assert await close_then_pay(app) is Outcome.APPLIED
    stored = await app.stored(ORDER)
    assert (stored.status, stored.refunds) == (TradeStatus.TRADE_SUCCESS, {})
    assert any("auto_refund_skipped" in r.getMessage() for r in caplog.records)


async def test_a_finished_trade_paid_after_close_is_an_anomaly_that_cannot_be_refunded() -> None:
    alerts = CountingAlerts()
    app = build_app(refund_paid_after_close=True, alerts=alerts)
    await app.create(order())
    await app.close(ORDER)
    app.alipay.pay(ORDER)
    app.alipay.orders[ORDER].status = UpdateKind.FINISHED
    finished = await app.alipay.query(await app.stored(ORDER), ALIPAY)
    assert finished is not None
    await app.notify(finished)
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_FINISHED
    assert alerts.counts == {"paid_after_close": 1}
    assert (await app.stored(ORDER)).refunds == {}


async def test_the_refund_is_held_in_the_transaction_of_the_fact_so_dying_right_after_it_loses_nothing() -> None:
    uow = DyingUnitOfWorkFactory()
    app = build_app(uow=uow, refund_paid_after_close=True)
    await app.create(order())
    await app.close(ORDER)
    uow.commits_left = 1  # the late notification's transaction commits; the process dies at the next commit

    with pytest.raises(Crash):
        await app.notify(app.alipay.pay(ORDER))

    uow.commits_left = None  # restarted
    stored = await app.stored(ORDER)
    assert stored.refunds[auto_refund_no(ORDER)].status is RefundStatus.PROCESSING
    assert await app.journal(ORDER) == [E.PAYMENT_CREATED, E.PAYMENT_CLOSED, E.PAYMENT_ANOMALY, E.PAYMENT_SUCCEEDED,
                                        E.REFUND_CREATED]
    assert (await app.sync_refund(auto_refund_no(ORDER))).status is TradeStatus.REFUNDED
