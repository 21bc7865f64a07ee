"""ClosePayment and SyncPayment: asking the provider before changing anything locally."""

from __future__ import annotations

import pytest

from application.errors import PaymentNotFound, ProviderUnavailable
from domain.errors import PaymentAlreadyPaid
from domain.events import EventType, Source
from domain.status import TradeStatus
from domain.updates import UpdateKind
from tests.unit.builders import PAID_AT
from tests.unit.harness import App, order

ORDER = "T20261124001"


async def test_closing_an_unpaid_payment_closes_it_at_the_provider_and_locally(app: App) -> None:
    await app.create(order())
    payment = await app.close(ORDER)
    assert payment.status is TradeStatus.TRADE_CLOSED
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_CLOSED
    assert app.alipay.orders[ORDER].status is UpdateKind.CLOSED
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED, EventType.PAYMENT_CLOSED]


async def test_closing_an_order_the_provider_never_saw_closes_it_locally(app: App) -> None:
    await app.create(order())
    app.alipay.orders.clear()
    assert (await app.close(ORDER)).status is TradeStatus.TRADE_CLOSED


async def test_closing_a_closed_payment_again_is_a_no_op(app: App) -> None:
    await app.create(order())
    await app.close(ORDER)
    again = await app.close(ORDER)
    assert again.status is TradeStatus.TRADE_CLOSED
    assert app.alipay.calls.count("close") == 1
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED, EventType.PAYMENT_CLOSED]


async def test_closing_a_paid_payment_is_refused_without_asking_the_provider(app: App) -> None:
    await app.create_paid()
    with pytest.raises(PaymentAlreadyPaid):
        await app.close(ORDER)
    assert "close" not in app.alipay.calls
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_SUCCESS


async def test_a_payment_the_provider_says_is_paid_at_close_time_becomes_paid_and_close_is_refused(app: App) -> None:
    await app.create(order())
    app.alipay.pay(ORDER, paid_at=PAID_AT)  # the notification is lost
    app.clock.advance(minutes=10)
    with pytest.raises(PaymentAlreadyPaid):
        await app.close(ORDER)
    stored = await app.stored(ORDER)
    assert stored.status is TradeStatus.TRADE_SUCCESS
    assert stored.payment_time == PAID_AT
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED, EventType.PAYMENT_SUCCEEDED]
    assert (await app.entries(ORDER))[-1].event.source is Source.SYNC


async def test_closing_while_the_provider_is_down_changes_nothing(app: App) -> None:
    await app.create(order())
    app.alipay.fail_with = ProviderUnavailable("down")
    with pytest.raises(ProviderUnavailable):
        await app.close(ORDER)
    assert (await app.stored(ORDER)).status is TradeStatus.WAIT_BUYER_PAY


async def test_closing_an_unknown_payment_is_not_found(app: App) -> None:
    with pytest.raises(PaymentNotFound):
        await app.close("T-NOPE-01")


# -- sync --------------------------------------------------------------------------------------------


async def test_sync_applies_a_payment_whose_notification_was_lost(app: App) -> None:
    await app.create(order())
    app.alipay.pay(ORDER, paid_at=PAID_AT)
    app.clock.advance(minutes=10)
    payment = await app.sync(ORDER)
    assert payment.status is TradeStatus.TRADE_SUCCESS
    assert payment.trade_no == f"FAKE{ORDER}"
    assert payment.payment_time == PAID_AT
    assert (await app.stored(ORDER)).status is TradeStatus.TRADE_SUCCESS
    assert [e.event.source for e in await app.entries(ORDER)] == [Source.API, Source.SYNC]


async def test_sync_of_an_order_the_provider_does_not_know_leaves_it_unchanged(app: App) -> None:
    await app.create(order())
    app.alipay.orders.clear()
    payment = await app.sync(ORDER)
    assert payment.status is TradeStatus.WAIT_BUYER_PAY
    assert app.alipay.calls == ["create", "query"]
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED]


async def test_sync_of_a_still_unpaid_order_changes_nothing(app: App) -> None:
    await app.create(order())
    assert (await app.sync(ORDER)).status is TradeStatus.WAIT_BUYER_PAY
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED]


async def test_sync_twice_after_payment_journals_one_success(app: App) -> None:
    await app.create(order())
    app.alipay.pay(ORDER, paid_at=PAID_AT)
    app.clock.advance(minutes=10)
    await app.sync(ORDER)
    await app.sync(ORDER)
    assert await app.journal(ORDER) == [EventType.PAYMENT_CREATED, EventType.PAYMENT_SUCCEEDED]


async def test_sync_when_the_provider_is_down_raises_and_changes_nothing(app: App) -> None:
    await app.create(order())
    app.alipay.pay(ORDER, paid_at=PAID_AT)
    app.clock.advance(minutes=10)
    app.alipay.fail_with = ProviderUnavailable("timeout")
    with pytest.raises(ProviderUnavailable):
        await app.sync(ORDER)
    assert (await app.stored(ORDER)).status is TradeStatus.WAIT_BUYER_PAY


async def test_sync_of_an_unknown_payment_is_not_found(app: App) -> None:
    with pytest.raises(PaymentNotFound):
        await app.sync("T-NOPE-01")
