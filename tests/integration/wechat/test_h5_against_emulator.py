"""H5 through the real adapter (wechatpayv3) against the real emulator, in both key modes: the h5_url opens the
emulator's pay page, paying there sends the signed callback, then query, close and refund."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urljoin

import httpx

from domain.kinds import PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.updates import UpdateKind
from tests.integration.wechat.conftest import CONFIG
from tests.integration.wechat.test_against_emulator import Emulated, emulated, payment, raw, refund

__all__ = ["emulated"]  # the fixture, used here by name


def h5(order_no: str, total: str = "6.60") -> Payment:
    return dataclasses.replace(payment(order_no, total, PayMethod.H5), payer_client_ip="198.51.100.23")


async def pay_on_the_h5_page(pay_url: str) -> None:
    """The phone browser opens the h5_url and the payer presses Pay."""
    async with httpx.AsyncClient(timeout=5) as phone:
        page = await phone.get(pay_url)
        assert page.status_code == 200, page.text
        action = re.search(r'action="([^"]+/pay)"', page.text)
        assert action is not None, page.text
        assert (await phone.post(urljoin(pay_url, action.group(1)))).status_code == 200


async def test_an_h5_payment_is_created_with_the_payers_ip_and_paid_on_the_h5_page(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    order = h5("WXEMUH50001")
    checkout = await gateway.create(order, CONFIG)

    seen = await emulated.control("GET", "/transactions/WXEMUH50001")
    assert (checkout.pay_url, checkout.code_url) == (seen["h5_url"], None)
    assert (seen["trade_type"], seen["payer_client_ip"], seen["amount"]["total"]) == ("MWEB", "198.51.100.23", 660)
    assert emulated.recorder.api_calls() == ["/v3/pay/transactions/h5"]
    waiting = await gateway.query(order, CONFIG)
    assert waiting is not None
    assert waiting.kind is UpdateKind.WAITING

    await pay_on_the_h5_page(checkout.pay_url or "")
    (delivered,) = await emulated.receiver.wait_for(1)
    update = await gateway.verify_notification(raw(delivered), CONFIG)
    assert (update.kind, update.order_no, update.amount) == (UpdateKind.PAID, "WXEMUH50001", Money(660))
    queried = await gateway.query(order, CONFIG)
    assert queried is not None
    assert (queried.kind, queried.trade_no) == (UpdateKind.PAID, update.trade_no)


async def test_an_unpaid_h5_payment_closes_and_a_paid_one_refunds(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    unpaid = h5("WXEMUH50002")
    await gateway.create(unpaid, CONFIG)
    assert (await gateway.close(unpaid, CONFIG)).kind is UpdateKind.CLOSED
    assert (await emulated.control("GET", "/transactions/WXEMUH50002"))["trade_state"] == "CLOSED"

    order = h5("WXEMUH50003", "2.00")
    checkout = await gateway.create(order, CONFIG)
    await pay_on_the_h5_page(checkout.pay_url or "")
    assert (await gateway.close(order, CONFIG)).kind is UpdateKind.PAID
    asked = await gateway.refund(order, refund("WXEMUH50003", "WXRH5", "0.50"), CONFIG)
    assert (asked.kind, asked.amount) == (UpdateKind.REFUND_PROCESSING, Money(50))
    await emulated.control("POST", "/refunds/WXRH5/succeed")
    settled = await gateway.query_refund(order, refund("WXEMUH50003", "WXRH5", "0.50"), CONFIG)
    assert settled.kind is UpdateKind.REFUND_SUCCEEDED
