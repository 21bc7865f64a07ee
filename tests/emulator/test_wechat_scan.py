"""The pay pages: a Native code_url's scan page with its QR code (segno), and the page an H5 h5_url opens."""

from __future__ import annotations

import json
from collections.abc import Mapping

import segno
from wechatpayv3 import WeChatPayType

from tests.emulator.wechat_env import CallbackReceiver, WeChatEnv, call

H5_SCENE = {"payer_client_ip": "203.0.113.7", "h5_info": {"type": "Wap"}}


async def scan_url(wechat: WeChatEnv, out_trade_no: str = "ORDER-0001") -> str:
    view = (await wechat.http.get(f"/_control/wechat/transactions/{out_trade_no}")).json()
    url: str = view["scan_url"]
    return url


async def test_the_scan_page_shows_the_qr_code_the_subject_and_the_amount(wechat: WeChatEnv) -> None:
    code_url = await wechat.native("ORDER-0001", 199)
    page = await wechat.http.get(await scan_url(wechat))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert segno.make_qr(code_url, error="m", boost_error=False).svg_inline(scale=4) in page.text
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


async def h5(wechat: WeChatEnv, out_trade_no: str, notify_url: str, scene: Mapping[str, object]) -> tuple[int, str]:
    return await call(wechat.sdk(notify_url, pay_type=WeChatPayType.H5).pay, description="测试商品 Test",
                      out_trade_no=out_trade_no, amount={"total": 250, "currency": "CNY"}, scene_info=scene)


async def test_an_h5_order_answers_an_h5_url_whose_page_pays_and_calls_back(
        wechat: WeChatEnv, callbacks: CallbackReceiver) -> None:
    code, text = await h5(wechat, "ORDER-H5-01", callbacks.url, H5_SCENE)
    assert code == 200, text
    h5_url = json.loads(text)["h5_url"]
    assert h5_url.startswith(f"{wechat.url}/wechat/h5/")
    view = (await wechat.http.get("/_control/wechat/transactions/ORDER-H5-01")).json()
    assert (view["trade_type"], view["payer_client_ip"], view["h5_url"]) == ("MWEB", "203.0.113.7", h5_url)
    page = await wechat.http.get(h5_url)
    assert page.status_code == 200
    assert "¥2.50" in page.text
    assert 'id="qr"' not in page.text
    paid = await wechat.http.post(scan_url_of_h5(page.text))
    assert 'id="trade_state">SUCCESS' in paid.text
    (got,) = await callbacks.wait_for(1)
    assert (got.resource()["trade_state"], got.resource()["trade_type"]) == ("SUCCESS", "MWEB")


def scan_url_of_h5(page: str) -> str:
    action = page.split('action="', 1)[1].split('"', 1)[0]
    assert action.endswith("/pay")
    return action


async def test_an_h5_order_needs_a_valid_payer_client_ip_and_h5_info(wechat: WeChatEnv) -> None:
    for scene in ({"h5_info": {"type": "Wap"}}, {"payer_client_ip": "not-an-ip", "h5_info": {"type": "Wap"}},
                  {"payer_client_ip": "203.0.113.7"}, {"payer_client_ip": "203.0.113.7", "h5_info": {"type": "PC"}}):
        code, text = await h5(wechat, "ORDER-H5-02", "https://merchant.example/notify", scene)
        assert (code, json.loads(text)["code"]) == (400, "PARAM_ERROR"), scene


async def test_a_native_token_does_not_open_as_an_h5_page(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    token = (await scan_url(wechat)).rsplit("/", 1)[1]
    assert (await wechat.http.get(f"/wechat/h5/{token}")).status_code == 404
