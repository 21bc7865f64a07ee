"""qr (当面付 pre-create): what the adapter sends as alipay.trade.precreate and how it reads the answer, against the
scripted Alipay; the SDK facts it relies on, on the bare SDK."""

from __future__ import annotations

import json

import pytest
from alipay.aop.api.request.AlipayTradePrecreateRequest import AlipayTradePrecreateRequest
from alipay.aop.api.response.AlipayTradePrecreateResponse import AlipayTradePrecreateResponse

from adapters.gateways.alipay import AlipayGateway
from application.errors import ProviderError, ProviderUnavailable
from domain.beijing import BEIJING
from tests.integration.alipay.stub import StubAlipay
from tests.integration.alipay.test_gateway_calls import CONFIG, business_failed
from tests.integration.alipay.wire import payment

QR_CODE = "https://qr.alipay.com/bax08431wbpn5ve0mnd0002f"


async def test_qr_precreates_the_trade_and_hands_back_its_qr_code_as_code_url(gateway: AlipayGateway,
                                                                             stub: StubAlipay) -> None:
    stub.answers["alipay.trade.precreate"] = {"code": "10000", "msg": "Success", "out_trade_no": "T20261124001",
                                              "qr_code": QR_CODE}
    order = payment(total="0.10", pay_method="qr")
    checkout = await gateway.create(order, CONFIG)
    assert (checkout.code_url, checkout.pay_url) == (QR_CODE, None)
    (sent,) = stub.requests
    biz = json.loads(sent["biz_content"])
    assert (sent["method"], biz["product_code"]) == ("alipay.trade.precreate", "FACE_TO_FACE_PAYMENT")
    assert (biz["out_trade_no"], biz["total_amount"], biz["subject"]) == (order.order_no, "0.10", "Thesis polishing")
    assert biz["time_expire"] == order.expire_time.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    assert sent["notify_url"] == "http://127.0.0.1:8000/v1/notify/alipay/101"
    assert "return_url" not in sent  # scanned in the app: no browser comes back


@pytest.mark.parametrize("sub_code", ["ACQ.TRADE_HAS_SUCCESS", "ACQ.CONTEXT_INCONSISTENT", "ACQ.SYSTEM_ERROR"])
async def test_a_precreate_refusal_is_a_provider_error_carrying_alipays_sub_code(gateway: AlipayGateway,
                                                                                 stub: StubAlipay,
                                                                                 sub_code: str) -> None:
    stub.answers["alipay.trade.precreate"] = business_failed(sub_code)
    with pytest.raises(ProviderError) as caught:
        await gateway.create(payment(pay_method="qr"), CONFIG)
    assert (caught.value.extra["method"], caught.value.extra["sub_code"]) == ("alipay.trade.precreate", sub_code)


async def test_a_precreate_success_without_a_qr_code_is_a_provider_error(gateway: AlipayGateway,
                                                                         stub: StubAlipay) -> None:
    stub.answers["alipay.trade.precreate"] = {"code": "10000", "msg": "Success"}
    with pytest.raises(ProviderError, match="no qr_code"):
        await gateway.create(payment(pay_method="qr"), CONFIG)


async def test_a_precreate_alipay_does_not_answer_in_time_is_provider_unavailable(gateway: AlipayGateway,
                                                                                  stub: StubAlipay) -> None:
    stub.mode, stub.delay = "slow", 3.0
    with pytest.raises(ProviderUnavailable):
        await gateway.create(payment(pay_method="qr"), CONFIG)


def test_the_sdk_names_the_method_and_parses_qr_code_from_the_answer() -> None:
    """The SDK facts the adapter builds on: the request's method name and the response field it reads."""
    assert AlipayTradePrecreateRequest().get_params()["method"] == "alipay.trade.precreate"
    response = AlipayTradePrecreateResponse()
    response.parse_response_content(json.dumps({"code": "10000", "msg": "Success", "qr_code": QR_CODE}))
    assert (response.is_success(), response.qr_code) == (True, QR_CODE)
