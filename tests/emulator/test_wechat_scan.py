"""The scan-to-pay page of a Native code_url, and the QR code it draws."""

from __future__ import annotations

import json

import pytest

from emulator.wechat import qr, qr_data
from tests.emulator.wechat_env import CallbackReceiver, WeChatEnv, call


async def scan_url(wechat: WeChatEnv, out_trade_no: str = "ORDER-0001") -> str:
    view = (await wechat.http.get(f"/_control/wechat/transactions/{out_trade_no}")).json()
    url: str = view["scan_url"]
    return url


async def test_the_scan_page_shows_the_qr_code_the_subject_and_the_amount(wechat: WeChatEnv) -> None:
    code_url = await wechat.native("ORDER-0001", 199)
    page = await wechat.http.get(await scan_url(wechat))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert qr.svg(code_url) in page.text
    assert code_url in page.text
    assert "测试商品 Test" in page.text
    assert "¥1.99" in page.text
    assert 'id="pay"' in page.text
    assert 'id="cancel"' in page.text


async def test_pay_on_the_page_pays_the_order_and_calls_back(wechat: WeChatEnv, callbacks: CallbackReceiver) -> None:
    await wechat.native("ORDER-0001", 100, notify_url=callbacks.url)
    paid = await wechat.http.post(await scan_url(wechat) + "/pay")
    assert paid.status_code == 200
    assert 'id="trade_state">SUCCESS' in paid.text
    (got,) = await callbacks.wait_for(1)
    assert got.resource()["trade_state"] == "SUCCESS"
    _, text = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert json.loads(text)["trade_state"] == "SUCCESS"
    again = await wechat.http.post(await scan_url(wechat) + "/pay")
    assert again.status_code == 409
    assert "ORDERPAID" in again.text


async def test_cancel_on_the_page_leaves_the_order_unpaid(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    cancelled = await wechat.http.post(await scan_url(wechat) + "/cancel")
    assert 'id="trade_state">NOTPAY' in cancelled.text
    _, text = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert json.loads(text)["trade_state"] == "NOTPAY"


async def test_an_unknown_code_is_a_404_page(wechat: WeChatEnv) -> None:
    assert (await wechat.http.get("/wechat/scan/nobody-issued-this")).status_code == 404
    assert (await wechat.http.post("/wechat/scan/nobody-issued-this/pay")).status_code == 404


def test_reed_solomon_matches_the_standards_hello_world_example() -> None:
    data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
    assert qr_data.rs_remainder(data, qr_data.rs_divisor(10)) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]


def test_format_bits_of_level_m_are_the_standards() -> None:
    bits = [format(qr_data.format_bits(mask), "015b") for mask in (0, 5, 7)]
    assert bits == ["101010000010010", "100000011001110", "100101010100000"]


@pytest.mark.parametrize(("length", "version"), [(14, 1), (44, 4), (150, 8), (200, 10)])
def test_the_smallest_version_that_holds_the_text_is_used(length: int, version: int) -> None:
    matrix = qr.encode("w" * length)
    assert len(matrix) == version * 4 + 17
    finder = [[matrix[y][x] for x in range(7)] for y in range(7)]
    assert finder[0] == [True] * 7
    assert finder[1] == [True, False, False, False, False, False, True]
    assert finder[3] == [True, False, True, True, True, False, True]


def test_text_too_long_for_version_10_is_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        qr.encode("w" * 300)
