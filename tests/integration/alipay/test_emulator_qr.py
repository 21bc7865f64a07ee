"""qr (当面付 pre-create) through the adapter and the official SDK against the real emulator process: create, scan
and pay, the notification, query, close and refund."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import httpx
import pytest

from adapters.gateways.alipay import AlipayGateway
from application.errors import ProviderError
from domain.money import Money
from domain.payment import Payment
from domain.updates import UpdateKind
from tests.integration.alipay.emulator_process import NotifyReceiver
from tests.integration.alipay.test_emulator import CONFIG, new_order, notified
from tests.integration.alipay.wire import refund


async def precreated(gateway: AlipayGateway, total: str = "1.00") -> tuple[Payment, str]:
    """A qr payment created at the emulator, and the scan-and-pay page its qr_code opens."""
    order = new_order(total, "qr")
    order.checkout = await gateway.create(order, CONFIG)
    assert order.checkout.pay_url is None
    async with httpx.AsyncClient(timeout=5) as phone:
        page = await phone.get(order.checkout.code_url or "")
    assert page.status_code == 200, page.text
    return order, page.text


async def scan_and_pay(order: Payment, page: str) -> None:
    """The payer presses Pay on the scan-and-pay page."""
    action = re.search(r'action="([^"]+/pay)"', page)
    assert action is not None, page
    async with httpx.AsyncClient(timeout=5) as phone:
        assert (await phone.post(urljoin(order.checkout.code_url or "", action.group(1)))).status_code == 200


async def test_a_qr_payment_is_precreated_at_alipay_and_its_qr_code_opens_the_scan_page(
        emulated: AlipayGateway, emulator_url: str) -> None:
    order, page = await precreated(emulated, "0.10")
    assert (order.checkout.code_url or "").startswith(f"{emulator_url}/alipay/qr/")
    assert "<svg" in page
    assert "¥0.10" in page
    waiting = await emulated.query(order, CONFIG)  # pre-create registered it: Alipay knows it before any scan
    assert waiting is not None
    assert waiting.kind is UpdateKind.WAITING


async def test_paying_the_scanned_code_notifies_paid_and_queries_as_paid(
        emulated: AlipayGateway, receiver: tuple[NotifyReceiver, str]) -> None:
    order, page = await precreated(emulated, "2.50")
    await scan_and_pay(order, page)
    update = await notified(emulated, receiver[0].wait_for(order.order_no, "TRADE_SUCCESS"))
    assert (update.kind, update.order_no, update.amount) == (UpdateKind.PAID, order.order_no, Money(250))
    queried = await emulated.query(order, CONFIG)
    assert queried is not None
    assert (queried.kind, queried.trade_no) == (UpdateKind.PAID, update.trade_no)


async def test_an_unpaid_qr_payment_closes_and_a_paid_one_refunds(
        emulated: AlipayGateway, receiver: tuple[NotifyReceiver, str]) -> None:
    unpaid, _ = await precreated(emulated)
    assert (await emulated.close(unpaid, CONFIG)).kind is UpdateKind.CLOSED
    closed = await emulated.query(unpaid, CONFIG)
    assert closed is not None
    assert closed.kind is UpdateKind.CLOSED
    order, page = await precreated(emulated, "1.00")
    await scan_and_pay(order, page)
    receiver[0].wait_for(order.order_no, "TRADE_SUCCESS")
    assert (await emulated.close(order, CONFIG)).kind is UpdateKind.PAID
    refunded = await emulated.refund(order, refund(order.order_no, "RQ1", "0.40"), CONFIG)
    assert (refunded.kind, refunded.amount) == (UpdateKind.REFUND_SUCCEEDED, Money(40))
    settled = await emulated.query_refund(order, refund(order.order_no, "RQ1", "0.40"), CONFIG)
    assert settled.kind is UpdateKind.REFUND_SUCCEEDED


async def test_precreating_a_paid_order_again_is_a_provider_error_with_alipays_sub_code(
        emulated: AlipayGateway, receiver: tuple[NotifyReceiver, str]) -> None:
    order, page = await precreated(emulated)
    await scan_and_pay(order, page)
    receiver[0].wait_for(order.order_no, "TRADE_SUCCESS")
    with pytest.raises(ProviderError) as caught:
        await emulated.create(order, CONFIG)
    assert caught.value.extra["sub_code"] == "ACQ.TRADE_HAS_SUCCESS"
