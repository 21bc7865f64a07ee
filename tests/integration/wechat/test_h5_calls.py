"""H5 orders (phone browsers outside WeChat) through the real SDK: the request's scene_info, the h5_url handed back
as pay_url, and WeChat's refusals; the SDK facts the adapter relies on."""

from __future__ import annotations

from dataclasses import replace

import pytest
from wechatpayv3 import WeChatPay, WeChatPayType

from adapters.gateways.wechat import WeChatGateway
from application.errors import ProviderError
from domain.kinds import PayMethod
from tests.integration.wechat.conftest import CONFIG
from tests.integration.wechat.stub import StubWeChat
from tests.integration.wechat.wire import API_V3_KEY, APPID, MCHID, MERCHANT_SERIAL, NOTIFY_URL, PUBLIC_KEY_ID, payment
from tests.rsa_keys import KeyPair

H5 = "POST /v3/pay/transactions/h5"
H5_URL = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2420031700001&package=1037687096"


async def test_an_h5_order_sends_the_payers_ip_and_h5_info_and_answers_the_h5_url_as_pay_url(
        gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers[H5] = (200, {"h5_url": H5_URL})
    order = replace(payment(pay_method=PayMethod.H5), payer_client_ip="2001:db8::7")
    checkout = await gateway.create(order, CONFIG)

    assert (checkout.pay_url, checkout.code_url) == (H5_URL, None)
    sent = stub.seen[-1]
    assert (sent.method, sent.path, sent.auth_ok) == ("POST", "/v3/pay/transactions/h5", True)
    assert sent.body == {"notify_url": NOTIFY_URL, "description": "Thesis polishing", "out_trade_no": "T20261124001",
                         "amount": {"total": 9990, "currency": "CNY"}, "time_expire": "2026-11-24T20:30:00+08:00",
                         "scene_info": {"payer_client_ip": "2001:db8::7", "h5_info": {"type": "Wap"}},
                         "appid": APPID, "mchid": MCHID}


async def test_an_h5_refusal_is_a_provider_error_with_wechats_code(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers[H5] = (403, {"code": "NO_AUTH", "message": "商户未开通H5支付权限"})
    order = replace(payment(pay_method=PayMethod.H5), payer_client_ip="203.0.113.7")
    with pytest.raises(ProviderError) as caught:
        await gateway.create(order, CONFIG)
    assert caught.value.extra["provider_code"] == "NO_AUTH"


async def test_an_h5_answer_without_h5_url_is_a_provider_error(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers[H5] = (200, {"prepay_id": "wx1"})
    order = replace(payment(pay_method=PayMethod.H5), payer_client_ip="203.0.113.7")
    with pytest.raises(ProviderError):
        await gateway.create(order, CONFIG)


async def test_an_h5_payment_without_the_payers_ip_never_reaches_wechat(gateway: WeChatGateway,
                                                                         stub: StubWeChat) -> None:
    with pytest.raises(ProviderError, match="IP address"):
        await gateway.create(payment(pay_method=PayMethod.H5), CONFIG)
    assert stub.seen == []


def test_the_sdk_refuses_an_h5_order_without_scene_info_with_a_bare_exception(merchant_keys: KeyPair,
                                                                             wechat_keys: KeyPair) -> None:
    """Why the adapter checks the payer's IP itself: the SDK would raise a bare Exception (no network call)."""
    sdk = WeChatPay(wechatpay_type=WeChatPayType.H5, mchid=MCHID, private_key=merchant_keys.pkcs8_pem,
                    cert_serial_no=MERCHANT_SERIAL, appid=APPID, apiv3_key=API_V3_KEY, notify_url=NOTIFY_URL,
                    public_key=wechat_keys.public_pem, public_key_id=PUBLIC_KEY_ID)
    with pytest.raises(Exception, match="scene_info is not assigned"):
        sdk.pay(description="d", out_trade_no="T1", amount={"total": 1, "currency": "CNY"})
