"""The use cases on a payment whose payer chooses, over fake providers: sync, close, expiry and refunds go to
each attempt's own provider under its own order number; a duplicate's refund that could not be sent is sent by
the refund sweep, and an attempt whose close failed is closed by the attempt-close sweep."""

from __future__ import annotations

import pytest

from application.attempt_followups import AttemptFollowUps
from application.errors import ProviderUnavailable
from application.expire_payments import ExpirePayments
from application.refund_payment import RefundCommand
from application.sync_unpaid import CloseOpenAttempts
from domain.attempts import AttemptStatus
from domain.errors import PaymentAlreadyPaid
from domain.events import EventType, Source
from domain.money import Money
from domain.payment import Payment
from domain.status import RefundStatus, TradeStatus
from domain.updates import UpdateKind
from tests.unit.harness import App, build_app, order

ORDER, SECOND = "T20261203001", "T20261203001_2"
AS = AttemptStatus


@pytest.fixture
def app() -> App:
    return build_app()


async def chose_both(app: App) -> None:
    """A payment offering Alipay QR and WeChat Native; the payer chose Alipay, then WeChat."""
    await app.create(order(order_no=ORDER, payment_type=None, pay_method=None,
                           pay_methods=("alipay:qr", "wechat:native")))
    await app.start(ORDER, "alipay:qr")
    await app.start(ORDER, "wechat:native")


def statuses(payment: Payment) -> list[AS]:
    return [a.status for a in payment.attempts]


async def test_a_choice_payment_asks_no_provider_until_the_payer_chooses(app: App) -> None:
    created = await app.create(order(order_no=ORDER, payment_type=None, pay_method=None))
    assert (created.payment.payment_type, created.payment.attempts) == (None, [])
    assert set(created.payment.pay_methods) >= {"alipay:pc", "alipay:qr", "wechat:native", "wechat:h5"}
    assert app.alipay.calls == app.wechat.calls == []
    again = await app.create(order(order_no=ORDER, payment_type=None, pay_method=None))
    assert not again.created  # the same request again: the same payment


async def test_sync_asks_every_open_attempt_and_a_payment_found_closes_the_other(app: App) -> None:
    await chose_both(app)
    app.wechat.pay(SECOND)  # paid, but its notification never came
    payment = await app.sync(ORDER)
    assert (payment.status, payment.payment_type, statuses(payment)) == (
        TradeStatus.TRADE_SUCCESS, "wechat", [AS.CLOSED, AS.PAID])
    assert app.alipay.orders[ORDER].status is UpdateKind.CLOSED  # closed at Alipay once WeChat held the money


async def test_close_closes_every_open_attempt_at_its_provider(app: App) -> None:
    await chose_both(app)
    payment = await app.close(ORDER)
    assert (payment.status, statuses(payment)) == (TradeStatus.TRADE_CLOSED, [AS.CLOSED, AS.CLOSED])
    assert app.alipay.orders[ORDER].status is app.wechat.orders[SECOND].status is UpdateKind.CLOSED


async def test_close_finds_the_attempt_the_payer_paid_meanwhile(app: App) -> None:
    await chose_both(app)
    app.alipay.pay(ORDER)
    with pytest.raises(PaymentAlreadyPaid):
        await app.close(ORDER, Source.WORKER)  # the expiry job's close
    payment = await app.stored(ORDER)
    assert (payment.status, payment.payment_type, statuses(payment)) == (
        TradeStatus.TRADE_SUCCESS, "alipay", [AS.PAID, AS.CLOSED])
    assert app.wechat.orders[SECOND].status is UpdateKind.CLOSED


async def test_a_refund_goes_to_the_provider_of_the_attempt_that_holds_the_money(app: App) -> None:
    await chose_both(app)
    await app.notify(app.wechat.pay(SECOND), app.store.configs[102])
    refunded = await app.refund(refund_cmd("R1", "10.00"))
    assert refunded.refund.status is RefundStatus.SUCCESS
    assert app.wechat.orders[SECOND].refunds == {"R1": Money(1000)}
    assert app.alipay.orders[ORDER].refunds == {}


async def test_a_duplicate_refund_the_provider_missed_is_sent_by_the_refund_sweep(app: App) -> None:
    await chose_both(app)
    await app.notify(app.wechat.pay(SECOND), app.store.configs[102])
    app.alipay.orders[ORDER].status = UpdateKind.WAITING  # the close never reached Alipay: the payer pays there too
    app.alipay.fail_with = ProviderUnavailable("Alipay is down")
    await app.notify(app.alipay.pay(ORDER))
    payment = await app.stored(ORDER)
    assert statuses(payment) == [AS.DUPLICATE, AS.PAID]
    (held,) = payment.duplicate_refunds()  # held PROCESSING: the send failed
    app.alipay.fail_with = None
    settled = await app.sync_refund(held.refund_no, Source.WORKER)
    assert statuses(settled) == [AS.DUPLICATE_REFUNDED, AS.PAID]
    assert app.alipay.orders[ORDER].refunds == {held.refund_no: Money(9990)}
    assert (settled.refunded_amount, settled.status) == (Money.zero(), TradeStatus.TRADE_SUCCESS)
    assert (await app.journal(ORDER)).count(EventType.PAYMENT_DUPLICATE_REFUNDED) == 1
    webhooks = [row["event_type"] for row in app.store.outbox if row["order_no"] == ORDER]
    assert webhooks == ["payment.succeeded", "payment.duplicate_refunded"]  # the business hears of both, once


async def test_the_expiry_job_closes_every_attempt_of_an_expired_payment_at_its_provider(app: App) -> None:
    await chose_both(app)
    expire = ExpirePayments(app.uow, app.close, app.clock)
    assert await expire.run_once() == 0  # not expired yet
    app.clock.advance(minutes=31)
    assert await expire.run_once() == 1
    payment = await app.stored(ORDER)
    assert (payment.status, statuses(payment)) == (TradeStatus.TRADE_CLOSED, [AS.CLOSED, AS.CLOSED])
    assert app.alipay.orders[ORDER].status is app.wechat.orders[SECOND].status is UpdateKind.CLOSED


async def test_the_expiry_job_finds_the_attempt_paid_at_the_last_moment_and_closes_the_other(app: App) -> None:
    await chose_both(app)
    app.wechat.pay(SECOND)  # paid just before expiry; its notification lost
    app.clock.advance(minutes=31)
    assert await ExpirePayments(app.uow, app.close, app.clock).run_once() == 1
    payment = await app.stored(ORDER)
    assert (payment.status, payment.payment_type, statuses(payment)) == (
        TradeStatus.TRADE_SUCCESS, "wechat", [AS.CLOSED, AS.PAID])
    assert app.alipay.orders[ORDER].status is UpdateKind.CLOSED


def close_sweep(app: App) -> CloseOpenAttempts:
    return CloseOpenAttempts(app.uow, AttemptFollowUps(app.uow, app.gateways), app.apply, app.clock,
                             sync_after_seconds=60)


async def test_an_attempt_whose_close_failed_is_closed_by_the_attempt_close_sweep(app: App) -> None:
    await chose_both(app)
    app.alipay.fail_with = ProviderUnavailable("Alipay is down")
    await app.notify(app.wechat.pay(SECOND), app.store.configs[102])  # paid at WeChat; the close at Alipay fails
    assert statuses(await app.stored(ORDER)) == [AS.OPEN, AS.PAID]
    sweep = close_sweep(app)
    assert await sweep.run_once() == 0  # the close right after the payment had its chance first
    app.clock.advance(seconds=60)
    assert await sweep.run_once() == 1  # Alipay still down: rescheduled with backoff, still open
    assert statuses(await app.stored(ORDER)) == [AS.OPEN, AS.PAID]
    assert await sweep.run_once() == 0  # backing off
    app.alipay.fail_with = None
    app.clock.advance(seconds=120)
    assert await sweep.run_once() == 1
    assert statuses(await app.stored(ORDER)) == [AS.CLOSED, AS.PAID]
    assert app.alipay.orders[ORDER].status is UpdateKind.CLOSED
    app.clock.advance(hours=2)
    assert await sweep.run_once() == 0  # nothing left open: never looked at again


async def test_the_attempt_close_sweep_finds_the_payer_paid_the_open_attempt_and_refunds_it(app: App) -> None:
    await chose_both(app)
    app.alipay.fail_with = ProviderUnavailable("Alipay is down")
    await app.notify(app.wechat.pay(SECOND), app.store.configs[102])
    app.alipay.fail_with = None
    app.alipay.pay(ORDER)  # the payer paid at Alipay too, and Alipay's notification is lost
    app.clock.advance(seconds=60)
    assert await close_sweep(app).run_once() == 1
    payment = await app.stored(ORDER)
    assert statuses(payment) == [AS.DUPLICATE_REFUNDED, AS.PAID]
    assert list(app.alipay.orders[ORDER].refunds.values()) == [Money(9990)]  # the duplicate, refunded in full
    assert (payment.status, payment.payment_type) == (TradeStatus.TRADE_SUCCESS, "wechat")


def refund_cmd(refund_no: str, yuan: str) -> RefundCommand:
    return RefundCommand(ORDER, refund_no, Money.from_yuan(yuan))
