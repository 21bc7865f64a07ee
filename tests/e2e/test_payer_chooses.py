"""A payment whose payer chooses the method (issue 15.2), end to end against a real `paycore demo`: both
providers' emulators on real ports, real signatures, the cashier page's own form. Each choice is an attempt at its
provider; the first paid holds the money, the others are closed; one paid after it is refunded in full."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio

from tests.e2e.cashier_choice import DESKTOP_UA, PHONE_UA, choose
from tests.e2e.demo_live import Demo, running_demo

# One demo for the module (its orders are distinct): starting one takes seconds.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Demo]:
    async with running_demo(tmp_path_factory.mktemp("demo")) as served:
        yield served


async def choice_payment(demo: Demo, order_no: str, **body: Any) -> dict[str, Any]:
    response = await demo.api("POST", "/v1/payments", json={
        "order_no": order_no, "subject": "论文润色", "total_amount": "99.90", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_the_payer_chooses_alipay_then_pays_with_wechat_and_the_alipay_attempt_is_closed(demo: Demo) -> None:
    created = await choice_payment(demo, "CHOOSE0001", pay_methods=["alipay:qr", "wechat:native", "alipay:wap"])
    assert (created["payment_type"], created["pay_method"], created["code_url"], created["attempts"]) == (
        None, None, None, [])
    assert created["pay_methods"] == ["alipay:qr", "wechat:native", "alipay:wap"]

    async with httpx.AsyncClient(timeout=10, headers={"User-Agent": DESKTOP_UA}) as http:
        first = (await http.get(created["cashier_url"])).text
    assert 'value="alipay:qr"' in first
    assert 'value="wechat:native"' in first
    assert 'value="alipay:wap"' not in first  # a desktop is not offered the phone's page
    assert 'id="qr"' not in first  # nothing chosen yet: no code to scan

    page = await choose(created["cashier_url"], "alipay:qr")
    assert 'id="qr"' in page.text
    assert "请使用支付宝扫一扫付款" in page.text
    chose_alipay = (await demo.api("GET", "/v1/payments/CHOOSE0001")).json()
    assert (chose_alipay["payment_type"], chose_alipay["pay_method"]) == ("alipay", "qr")
    assert [(a["seq"], a["out_trade_no"], a["status"]) for a in chose_alipay["attempts"]] == [
        (1, "CHOOSE0001", "OPEN")]
    assert (await demo.control("GET", "/alipay/trades/CHOOSE0001"))["trade_status"] == "WAIT_BUYER_PAY"
    again = await choose(created["cashier_url"], "alipay:qr")  # a reload of the choice asks Alipay nothing new
    assert 'id="qr"' in again.text
    assert len((await demo.api("GET", "/v1/payments/CHOOSE0001")).json()["attempts"]) == 1

    page = await choose(created["cashier_url"], "wechat:native")
    assert "请使用微信扫一扫付款" in page.text
    chose_wechat = (await demo.api("GET", "/v1/payments/CHOOSE0001")).json()
    assert chose_wechat["code_url"].startswith("weixin://")
    assert [(a["payment_type"], a["out_trade_no"]) for a in chose_wechat["attempts"]] == [
        ("alipay", "CHOOSE0001"), ("wechat", "CHOOSE0001_2")]

    await demo.control("POST", "/wechat/transactions/CHOOSE0001_2/pay")
    paid = await demo.until("CHOOSE0001", lambda p: p["trade_status"] == "TRADE_SUCCESS"
                       and [a["status"] for a in p["attempts"]] == ["CLOSED", "PAID"])
    assert (paid["payment_type"], paid["pay_method"], paid["refunded_amount"]) == ("wechat", "native", "0.00")
    assert (await demo.control("GET", "/alipay/trades/CHOOSE0001"))["trade_status"] == "TRADE_CLOSED"


async def test_a_payer_who_pays_twice_gets_the_second_payment_back_in_full(demo: Demo) -> None:
    created = await choice_payment(demo, "CHOOSE0002", pay_methods=["alipay:qr", "wechat:native"])
    await choose(created["cashier_url"], "alipay:qr")
    await choose(created["cashier_url"], "wechat:native")
    # Alipay fails the close paycore sends once WeChat is paid: the Alipay trade stays open and the payer pays it too.
    await demo.control("POST", "/alipay/faults", mode="http_500", count=1, seconds=0)
    await demo.control("POST", "/wechat/transactions/CHOOSE0002_2/pay")
    await demo.until("CHOOSE0002", lambda p: p["trade_status"] == "TRADE_SUCCESS")
    await demo.control("POST", "/alipay/trades/CHOOSE0002/pay")

    settled = await demo.until("CHOOSE0002", lambda p: [a["status"] for a in p["attempts"]] == [
        "DUPLICATE_REFUNDED", "PAID"])
    assert (settled["trade_status"], settled["payment_type"], settled["refunded_amount"]) == (
        "TRADE_SUCCESS", "wechat", "0.00")  # the payment keeps WeChat's money; the duplicate is not its refund
    refunds = (await demo.api("GET", "/v1/payments/CHOOSE0002/refunds")).json()["items"]
    assert [(r["refund_no"], r["refund_amount"], r["refund_status"], r["duplicate"]) for r in refunds] == [
        ("DUP_CHOOSE0002", "99.90", "SUCCESS", True)]
    alipay_trade = await demo.control("GET", "/alipay/trades/CHOOSE0002")
    assert alipay_trade["refunds"], alipay_trade  # refunded at Alipay, the attempt's own provider
    journal = [e["event_type"] for e in (await demo.api("GET", "/v1/payments/CHOOSE0002/events")).json()["items"]]
    assert journal.count("payment.succeeded") == 1
    assert journal.count("payment.duplicate_refunded") == 1


async def test_a_choice_without_pay_methods_offers_every_method_of_the_default_configs(demo: Demo) -> None:
    created = await choice_payment(demo, "CHOOSE0003")
    assert set(created["pay_methods"]) >= {"alipay:pc", "alipay:wap", "alipay:qr", "wechat:native", "wechat:h5"}
    assert "wechat:jsapi" not in created["pay_methods"]  # no openid given
    async with httpx.AsyncClient(timeout=10, headers={"User-Agent": PHONE_UA}) as http:
        phone = (await http.get(created["cashier_url"])).text
    assert 'value="alipay:wap"' in phone
    assert 'value="wechat:h5"' in phone
    assert 'value="alipay:pc"' not in phone
    assert 'value="wechat:native"' not in phone


@pytest.mark.parametrize(("body", "code"), [
    ({"payment_type": "alipay", "pay_methods": ["alipay:pc"]}, "VALIDATION_ERROR"),
    ({"pay_method": "pc"}, "VALIDATION_ERROR"),
    ({"pay_methods": ["paypal:card"]}, "VALIDATION_ERROR"),
    ({"pay_methods": ["alipay:native"]}, "UNSUPPORTED_PAY_METHOD"),
    ({"pay_methods": ["wechat:jsapi"]}, "OPENID_REQUIRED"),
])
async def test_a_choice_that_cannot_be_offered_is_refused(demo: Demo, body: dict[str, Any], code: str) -> None:
    response = await demo.api("POST", "/v1/payments", json={
        "order_no": "CHOOSE0004", "subject": "s", "total_amount": "1", **body})
    assert (response.status_code, response.json()["code"]) == (400, code), response.text


async def test_a_choice_not_offered_or_on_a_paid_payment_starts_nothing(demo: Demo) -> None:
    created = await choice_payment(demo, "CHOOSE0005", pay_methods=["wechat:native"])
    url = urlsplit(created["cashier_url"])
    async with httpx.AsyncClient(timeout=10) as http:
        refused = await http.post(f"{url.scheme}://{url.netloc}{url.path}/choose?{url.query}",
                                  data={"method": "alipay:pc"})
        assert refused.status_code == 303  # back to the page, which offers what it offers
        forged = await http.post(f"{url.scheme}://{url.netloc}{url.path}/choose?t=AAAAAAAAAAAAAAAAAAAAAA",
                                 data={"method": "wechat:native"})
        assert forged.status_code == 404
    assert (await demo.api("GET", "/v1/payments/CHOOSE0005")).json()["attempts"] == []


async def test_the_demo_prints_a_cashier_link_where_the_payer_chooses(demo: Demo) -> None:
    assert demo.cashier_url.startswith(f"{demo.url}/pay/DEMOPICK")
    async with httpx.AsyncClient(timeout=10, headers={"User-Agent": DESKTOP_UA}) as http:
        page = await http.get(demo.cashier_url)
    assert page.status_code == 200
    assert 'value="alipay:pc"' in page.text
    assert 'value="wechat:native"' in page.text
    page = await choose(demo.cashier_url, "wechat:native")
    assert 'id="qr"' in page.text
