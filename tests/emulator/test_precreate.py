"""当面付 pre-create: alipay.trade.precreate answers a signed qr_code that opens the scan-and-pay page."""

from __future__ import annotations

import re

import segno
from alipay.aop.api.request.AlipayTradePrecreateRequest import AlipayTradePrecreateRequest as Precreate
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest as Query

from tests.emulator import sdk
from tests.emulator.conftest import APP_ID, Emulator
from tests.emulator.harness import Receiver


async def precreate(emulator: Emulator, out_trade_no: str, amount: str = "0.30", notify_url: str = "",
                    **biz: str) -> dict[str, str]:
    request = sdk.request(Precreate, {"out_trade_no": out_trade_no, "total_amount": amount, "subject": "测试商品 Test",
                                      **biz}, notify_url)
    return await sdk.execute(emulator.sdk(), request)


async def test_precreate_answers_a_qr_code_whose_page_shows_it_and_pays_with_a_notification(
        emulator: Emulator, receiver: Receiver) -> None:
    answer = await precreate(emulator, "QR-1", notify_url=receiver.url)
    assert (answer["code"], answer["out_trade_no"]) == ("10000", "QR-1")
    qr_code = answer["qr_code"]
    assert qr_code.startswith(f"{emulator.url}/alipay/qr/")
    assert (await precreate(emulator, "QR-1"))["qr_code"] == qr_code  # asked again: the same trade
    page = await emulator.http.get(qr_code)
    assert page.status_code == 200
    assert segno.make_qr(qr_code, error="m", boost_error=False).svg_inline(scale=4) in page.text
    assert "¥0.30" in page.text
    waiting = await emulator.execute(Query, {"out_trade_no": "QR-1"})
    assert waiting["trade_status"] == "WAIT_BUYER_PAY"
    pay = re.search(r'action="([^"]+/pay)"', page.text)
    assert pay is not None
    assert (await emulator.http.post(pay.group(1))).status_code == 200
    (form,) = await receiver.wait_for(1)
    assert (form["out_trade_no"], form["trade_status"]) == ("QR-1", "TRADE_SUCCESS")
    assert sdk.notification_verifies(emulator.alipay_public_key, form)
    trade = emulator.alipay.store.trade(APP_ID, "QR-1")
    assert trade is not None
    assert (trade.method, trade.product_code) == ("alipay.trade.precreate", "FACE_TO_FACE_PAYMENT")


async def test_precreate_refuses_a_bad_amount_another_product_and_a_changed_repeat(emulator: Emulator) -> None:
    assert (await precreate(emulator, "QR-2", amount="0"))["sub_code"] == "ACQ.INVALID_PARAMETER"
    refused = await precreate(emulator, "QR-2", product_code="FAST_INSTANT_TRADE_PAY")
    assert refused["sub_code"] == "ACQ.INVALID_PARAMETER"
    await precreate(emulator, "QR-2")
    assert (await precreate(emulator, "QR-2", amount="0.31"))["sub_code"] == "ACQ.CONTEXT_INCONSISTENT"


async def test_an_unknown_or_page_pay_trade_has_no_qr_page(emulator: Emulator) -> None:
    await emulator.open_trade("PAGE-1")
    trade = emulator.alipay.store.trade(APP_ID, "PAGE-1")
    assert trade is not None
    assert (await emulator.http.get(f"/alipay/qr/{trade.trade_no}")).status_code == 404
    assert (await emulator.http.get("/alipay/qr/nobody")).status_code == 404
