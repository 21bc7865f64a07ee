"""Page and WAP pay: the SDK's URL opens the cashier; paying notifies the merchant and returns the browser."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from alipay.aop.api.request.AlipayTradePagePayRequest import AlipayTradePagePayRequest as PagePay

from emulator.alipay import wire
from tests.emulator import sdk
from tests.emulator.conftest import APP_ID, SELLER_ID, Emulator
from tests.emulator.harness import Receiver

RETURN_URL = "https://merchant.example/return?from=alipay"


def action(page: str, verb: str) -> str:
    """The cashier form's action for Pay or Cancel."""
    match = re.search(rf'action="([^"]+/{verb})"', page)
    assert match, page
    return match.group(1)


def verifies(emulator: Emulator, form: dict[str, str]) -> bool:
    """Whether form carries Alipay's signature."""
    return sdk.notification_verifies(emulator.alipay_public_key, form)


async def test_the_page_pay_url_opens_a_cashier_showing_subject_amount_and_order(emulator: Emulator) -> None:
    page = await emulator.open_trade("ORDER-1", "0.1")
    assert page.status_code == 200
    assert "测试商品 Test" in page.text
    assert "¥0.10" in page.text
    assert "ORDER-1" in page.text
    assert action(page.text, "pay").endswith("/pay")
    assert action(page.text, "cancel").endswith("/cancel")


async def test_the_wap_pay_url_opens_the_same_cashier(emulator: Emulator) -> None:
    page = await emulator.open_trade("WAP-1", "2.00", wap=True)
    assert "¥2.00" in page.text
    assert emulator.alipay.store.trade(APP_ID, "WAP-1") is not None


async def test_paying_returns_the_browser_with_signed_parameters(emulator: Emulator) -> None:
    page = await emulator.open_trade("ORDER-1", "0.10", return_url=RETURN_URL)
    paid = await emulator.http.post(action(page.text, "pay"))
    assert paid.status_code == 303
    location = urlsplit(paid.headers["location"])
    params = dict(parse_qsl(location.query))
    assert location.netloc == "merchant.example"
    assert params.pop("from") == "alipay"
    assert verifies(emulator, params)
    assert params["method"] == "alipay.trade.page.pay.return"
    assert (params["out_trade_no"], params["total_amount"], params["seller_id"]) == ("ORDER-1", "0.10", SELLER_ID)


async def test_paying_sends_a_notification_that_verifies_with_alipays_public_key(
    emulator: Emulator, receiver: Receiver
) -> None:
    page = await emulator.open_trade("ORDER-1", "0.10", notify_url=receiver.url)
    await emulator.http.post(action(page.text, "pay"))
    [form] = await receiver.wait_for(1)
    assert verifies(emulator, form)
    assert form["sign_type"] == "RSA2"
    assert (form["trade_status"], form["out_trade_no"], form["total_amount"]) == ("TRADE_SUCCESS", "ORDER-1", "0.10")
    assert (form["app_id"], form["seller_id"], form["notify_type"]) == (APP_ID, SELLER_ID, "trade_status_sync")
    trade = (await emulator.http.get("/_control/alipay/trades/ORDER-1")).json()
    assert (form["trade_no"], form["buyer_id"], form["gmt_payment"]) == (
        trade["trade_no"], trade["buyer_id"], trade["gmt_payment"])


async def test_cancel_leaves_the_trade_waiting(emulator: Emulator) -> None:
    page = await emulator.open_trade("ORDER-1")
    cancelled = await emulator.http.post(action(page.text, "cancel"))
    assert cancelled.status_code == 200
    trade = (await emulator.http.get("/_control/alipay/trades/ORDER-1")).json()
    assert trade["trade_status"] == "WAIT_BUYER_PAY"


async def test_opening_the_same_order_again_shows_the_same_trade(emulator: Emulator) -> None:
    first = await emulator.open_trade("ORDER-1", "0.10")
    again = await emulator.open_trade("ORDER-1", "0.10")
    assert action(first.text, "pay") == action(again.text, "pay")


async def test_opening_the_same_order_with_another_amount_is_context_inconsistent(emulator: Emulator) -> None:
    await emulator.open_trade("ORDER-1", "0.10")
    again = await emulator.open_trade("ORDER-1", "0.20")
    assert "ACQ.CONTEXT_INCONSISTENT" in again.text


async def test_a_page_pay_url_with_a_tampered_amount_shows_invalid_signature(emulator: Emulator) -> None:
    url = emulator.pay_url("ORDER-1", "0.10").replace("0.10", "0.01")
    page = await emulator.http.get(url)
    assert "isv.invalid-signature" in page.text
    assert emulator.alipay.store.trades == {}


async def test_an_order_already_past_its_time_expire_cannot_be_paid(emulator: Emulator) -> None:
    page = await emulator.open_trade("ORDER-1", time_expire="2020-01-01 00:00:00")
    assert "ACQ.TRADE_HAS_CLOSE" in page.text


async def test_a_trade_that_expires_at_the_cashier_is_closed_and_notified(
    emulator: Emulator, receiver: Receiver
) -> None:
    soon = wire.beijing(wire.now() + timedelta(minutes=30))
    page = await emulator.open_trade("ORDER-1", notify_url=receiver.url, time_expire=soon)
    real_clock = emulator.alipay.clock
    emulator.alipay.clock = lambda: real_clock() + timedelta(hours=1)
    refused = await emulator.http.post(action(page.text, "pay"))
    assert refused.status_code == 409
    [form] = await receiver.wait_for(1)
    assert form["trade_status"] == "TRADE_CLOSED"
    assert "gmt_close" in form


async def test_the_sdks_default_auto_submitting_form_opens_the_cashier_too(emulator: Emulator) -> None:
    biz = {"out_trade_no": "FORM-1", "total_amount": "3.00", "subject": "表单",
           "product_code": "FAST_INSTANT_TRADE_PAY"}
    form = emulator.sdk().page_execute(sdk.request(PagePay, biz))
    target = re.search(r'action="([^"]+)"', form)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    assert target
    data = {k: html.unescape(v) for k, v in fields.items()}
    page = await emulator.http.post(html.unescape(target.group(1)), data=data)
    assert "¥3.00" in page.text
