"""RefundPayment and SyncRefund: hold the amount first, then ask the provider."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import PaymentNotFound, ProviderUnavailable, RefundNotFound
from application.refund_payment import RefundCommand
from domain.errors import PaymentNotPaid, RefundExceedsPaid, RefundNoConflict
from domain.events import EventType
from domain.money import Money
from domain.status import RefundStatus, TradeStatus
from domain.updates import ProviderUpdate, UpdateKind
from tests.unit.harness import App, InterleavingUnitOfWorkFactory, build_app, order

ORDER = "T20261124001"


def refund(refund_no: str, yuan: str, order_no: str = ORDER, reason: str = "customer request") -> RefundCommand:
    return RefundCommand(order_no, refund_no, Money.from_yuan(yuan), reason)


async def test_a_partial_refund_the_provider_confirms_at_once_succeeds(app: App) -> None:
    await app.create_paid()
    result = await app.refund(refund("R1", "10.00"))
    assert result.created is True
    assert result.refund.status is RefundStatus.SUCCESS
    assert result.refund.provider_refund_id == "FAKE-R1"
    stored = await app.stored(ORDER)
    assert stored.status is TradeStatus.TRADE_SUCCESS
    assert stored.refunded_amount == Money(1000)
    assert (await app.journal(ORDER))[-2:] == [EventType.REFUND_CREATED, EventType.REFUND_SUCCEEDED]


async def test_two_partial_refunds_then_one_too_many_is_refused_before_the_provider_is_called(app: App) -> None:
    await app.create_paid()
    await app.refund(refund("R1", "50.00"))
    await app.refund(refund("R2", "40.00"))
    with pytest.raises(RefundExceedsPaid) as raised:
        await app.refund(refund("R3", "9.91"))
    assert (raised.value.paid, raised.value.committed, raised.value.requested) == ("99.90", "90.00", "9.91")
    assert app.alipay.calls.count("refund") == 2
    stored = await app.stored(ORDER)
    assert set(stored.refunds) == {"R1", "R2"}
    assert stored.refunded_amount == Money(9000)


async def test_refunding_the_rest_makes_the_payment_refunded(app: App) -> None:
    await app.create_paid()
    await app.refund(refund("R1", "90.00"))
    await app.refund(refund("R2", "9.90"))
    stored = await app.stored(ORDER)
    assert stored.status is TradeStatus.REFUNDED
    assert stored.refunded_amount == Money(9990)
    assert (await app.journal(ORDER))[-1] is EventType.PAYMENT_REFUNDED


async def test_processing_refunds_hold_their_amount_until_sync_refund_settles_them() -> None:
    app = build_app(refunds_settle_at_once=False)
    await app.create_paid()
    first = await app.refund(refund("R1", "60.00"))
    assert first.refund.status is RefundStatus.PROCESSING
    with pytest.raises(RefundExceedsPaid):
        await app.refund(refund("R2", "40.00"))
    assert (await app.stored(ORDER)).refunded_amount == Money.zero()
    app.alipay.refunds_settle_at_once = True
    settled = await app.sync_refund("R1")
    assert settled.refunds["R1"].status is RefundStatus.SUCCESS
    assert settled.refunded_amount == Money(6000)
    assert (await app.stored(ORDER)).refunds["R1"].status is RefundStatus.SUCCESS


async def test_sync_refund_of_a_refund_still_processing_changes_nothing() -> None:
    app = build_app(refunds_settle_at_once=False)
    await app.create_paid()
    await app.refund(refund("R1", "60.00"))
    journal = await app.journal(ORDER)
    assert (await app.sync_refund("R1")).refunds["R1"].status is RefundStatus.PROCESSING
    assert await app.journal(ORDER) == journal


async def test_sync_refund_of_a_settled_refund_does_not_ask_the_provider(app: App) -> None:
    await app.create_paid()
    await app.refund(refund("R1", "10.00"))
    await app.sync_refund("R1")
    assert "query_refund" not in app.alipay.calls


async def test_sync_refund_of_an_unknown_refund_is_not_found(app: App) -> None:
    with pytest.raises(RefundNotFound):
        await app.sync_refund("R-NOPE")


async def test_the_same_refund_no_with_the_same_body_answers_the_same_refund(app: App) -> None:
    await app.create_paid()
    first = await app.refund(refund("R1", "10.00"))
    again = await app.refund(refund("R1", "10.00"))
    assert again.created is False
    assert again.refund == first.refund
    assert app.alipay.calls.count("refund") == 1
    assert (await app.journal(ORDER)).count(EventType.REFUND_CREATED) == 1


async def test_a_processing_refund_asked_again_asks_the_provider_again() -> None:
    app = build_app(refunds_settle_at_once=False)
    await app.create_paid()
    await app.refund(refund("R1", "10.00"))
    app.alipay.refunds_settle_at_once = True
    again = await app.refund(refund("R1", "10.00"))
    assert again.created is False
    assert again.refund.status is RefundStatus.SUCCESS
    assert app.alipay.calls.count("refund") == 2


@pytest.mark.parametrize(("yuan", "reason"), [("10.01", "customer request"), ("10.00", "another reason")])
async def test_the_same_refund_no_with_a_different_body_is_a_conflict(app: App, yuan: str, reason: str) -> None:
    await app.create_paid()
    await app.refund(refund("R1", "10.00"))
    with pytest.raises(RefundNoConflict):
        await app.refund(refund("R1", yuan, reason=reason))
    assert app.alipay.calls.count("refund") == 1


async def test_a_refund_no_used_on_another_payment_is_a_conflict(app: App) -> None:
    await app.create_paid("T20261124001")
    await app.create_paid("T20261124002")
    await app.refund(refund("R1", "10.00", order_no="T20261124001"))
    with pytest.raises(RefundNoConflict, match="another payment"):
        await app.refund(refund("R1", "10.00", order_no="T20261124002"))
    assert (await app.stored("T20261124002")).refunds == {}
    assert app.alipay.calls.count("refund") == 1


async def test_a_refund_of_an_unpaid_payment_is_refused_and_stores_nothing(app: App) -> None:
    await app.create(order())
    with pytest.raises(PaymentNotPaid):
        await app.refund(refund("R1", "10.00"))
    assert (await app.stored(ORDER)).refunds == {}
    assert "refund" not in app.alipay.calls


async def test_a_refund_of_an_unknown_payment_is_not_found(app: App) -> None:
    with pytest.raises(PaymentNotFound):
        await app.refund(refund("R1", "10.00", order_no="T-NOPE-01"))


async def test_a_refund_the_provider_could_not_take_stays_held_and_a_retry_settles_it(app: App) -> None:
    await app.create_paid()
    app.alipay.fail_with = ProviderUnavailable("down")
    with pytest.raises(ProviderUnavailable):
        await app.refund(refund("R1", "99.90"))
    assert (await app.stored(ORDER)).refunds["R1"].status is RefundStatus.PROCESSING
    app.alipay.fail_with = None
    retried = await app.refund(refund("R1", "99.90"))
    assert retried.refund.status is RefundStatus.SUCCESS
    assert (await app.stored(ORDER)).status is TradeStatus.REFUNDED


async def test_a_failed_refund_releases_the_amount_for_another() -> None:
    app = build_app(refunds_settle_at_once=False)
    await app.create_paid()
    await app.refund(refund("R1", "99.90"))
    failed = ProviderUpdate(UpdateKind.REFUND_FAILED, ORDER, amount=Money(9990), refund_no="R1", event_id="rn-1")
    await app.notify(failed)
    assert (await app.stored(ORDER)).refunds["R1"].status is RefundStatus.FAILED
    assert (await app.refund(refund("R2", "99.90"))).refund.status is RefundStatus.PROCESSING
    assert (await app.journal(ORDER))[-3:] == [
        EventType.REFUND_CREATED, EventType.REFUND_FAILED, EventType.REFUND_CREATED,
    ]


async def test_refunds_racing_for_the_same_money_hold_no_more_than_was_paid() -> None:
    uow = InterleavingUnitOfWorkFactory()
    app = build_app(uow, refunds_settle_at_once=False)
    await app.create_paid()
    results = await asyncio.gather(
        *(app.refund(refund(f"R{i}", "60.00")) for i in range(5)), return_exceptions=True,
    )
    held = [r for r in results if not isinstance(r, BaseException)]
    assert len(held) == 1
    assert all(isinstance(r, RefundExceedsPaid) for r in results if isinstance(r, BaseException))
    stored = await app.stored(ORDER)
    assert stored.committed_refunds == Money(6000)
    assert app.alipay.calls.count("refund") == 1
    assert uow.conflicts > 0  # the requests really raced
