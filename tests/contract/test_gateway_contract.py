"""The gateway contract, run against every adapter: the fake, and the Alipay and WeChat adapters over their
official SDKs against the real emulator. Each answers in the same meanings (ProviderUpdate, Checkout), whatever
the provider's wire looks like."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from application.errors import NotificationRejected
from domain.kinds import PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.updates import UpdateKind
from tests.contract.gateway_kits import Kit, kit_for, refund_of


@pytest.fixture(params=["fake", "alipay", "alipay-certificates", "wechat", "wechat-certificates"])
async def kit(request: pytest.FixtureRequest) -> AsyncIterator[Kit]:
    async with kit_for(request.param) as kit:
        yield kit


async def paid(kit: Kit, total: str = "1.00") -> Payment:
    payment = kit.payment(total=total)
    payment.checkout = await kit.gateway.create(payment, kit.config)
    await kit.pay(payment)
    return payment


async def test_every_offered_method_creates_a_way_to_pay(kit: Kit) -> None:
    for rule in kit.methods:
        payment = kit.payment(rule.method)
        checkout = await kit.gateway.create(payment, kit.config)
        assert checkout.pay_url or checkout.code_url or checkout.pay_params, rule.method


async def test_each_method_pays_through_its_own_kind_of_checkout_and_queries_as_paid(kit: Kit) -> None:
    for rule in kit.methods:
        payment = kit.payment(rule.method, total="1.23")
        payment.checkout = await kit.gateway.create(payment, kit.config)
        checkout = payment.checkout
        if rule.method in (PayMethod.QR, PayMethod.NATIVE):  # scanned: the QR code's content, nothing to open
            assert (bool(checkout.code_url), checkout.pay_url) == (True, None), rule.method
        if rule.method in (PayMethod.PC, PayMethod.WAP, PayMethod.H5):  # opened in the payer's browser
            assert (bool(checkout.pay_url), checkout.code_url) == (True, None), rule.method
        await kit.pay(payment)
        update = await kit.gateway.query(payment, kit.config)
        assert update is not None
        assert (update.kind, update.amount) == (UpdateKind.PAID, Money(123)), rule.method


async def test_a_query_knows_no_stranger_then_follows_the_order_to_paid(kit: Kit) -> None:
    payment = kit.payment(total="2.34")
    assert await kit.gateway.query(payment, kit.config) is None
    payment.checkout = await kit.gateway.create(payment, kit.config)
    waiting = await kit.gateway.query(payment, kit.config)
    assert waiting is None or waiting.kind is UpdateKind.WAITING  # Alipay knows a trade once its page opened
    await kit.pay(payment)
    update = await kit.gateway.query(payment, kit.config)
    assert update is not None
    assert (update.kind, update.order_no, update.amount) == (UpdateKind.PAID, payment.order_no, Money(234))
    assert update.trade_no


async def test_close_closes_an_unpaid_order_and_reports_a_paid_one_as_paid(kit: Kit) -> None:
    unpaid = kit.payment()
    unpaid.checkout = await kit.gateway.create(unpaid, kit.config)
    assert (await kit.gateway.close(unpaid, kit.config)).kind is UpdateKind.CLOSED
    payment = await paid(kit)
    assert (await kit.gateway.close(payment, kit.config)).kind is UpdateKind.PAID


async def test_a_refund_is_accepted_and_its_query_follows_it_to_success(kit: Kit) -> None:
    payment = await paid(kit)
    refund = refund_of(payment)
    answer = await kit.gateway.refund(payment, refund, kit.config)
    assert answer.kind in (UpdateKind.REFUND_SUCCEEDED, UpdateKind.REFUND_PROCESSING)
    assert (answer.refund_no, answer.amount) == (refund.refund_no, Money(40))
    await kit.settle(refund)
    settled = await kit.gateway.query_refund(payment, refund, kit.config)
    assert (settled.kind, settled.refund_no) == (UpdateKind.REFUND_SUCCEEDED, refund.refund_no)


async def test_a_refund_the_provider_never_received_queries_as_not_found(kit: Kit) -> None:
    payment = await paid(kit)
    answer = await kit.gateway.query_refund(payment, refund_of(payment), kit.config)
    assert answer.kind is UpdateKind.REFUND_NOT_FOUND


async def test_a_genuine_notification_verifies_as_paid(kit: Kit) -> None:
    payment = await paid(kit, "3.21")
    update = await kit.gateway.verify_notification(await kit.notification(payment), kit.config)
    assert (update.kind, update.order_no, update.amount) == (UpdateKind.PAID, payment.order_no, Money(321))
    assert update.event_id


async def test_a_forged_notification_is_refused_as_a_bad_signature(kit: Kit) -> None:
    payment = await paid(kit)
    with pytest.raises(NotificationRejected) as refused:
        await kit.gateway.verify_notification(await kit.forged(payment), kit.config)
    assert refused.value.reason == "bad_signature"


async def test_the_days_bill_lists_a_paid_order(kit: Kit) -> None:
    payment = await paid(kit)
    bill = await kit.gateway.bill(kit.bill_date())
    rows = list(bill.rows())  # the port's streamed, typed rows, checked against the bill's own totals
    assert [(r.kind.value, r.amount) for r in rows if r.order_no == payment.order_no] == [
        ("payment", payment.total_amount.fen)]
    assert (bill.totals.payments, bill.totals.payment_amount) == (len(rows), sum(r.amount for r in rows))
