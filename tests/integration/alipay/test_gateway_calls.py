"""Each gateway call's request and its translation, against the scripted Alipay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from adapters.gateways.alipay import AlipayGateway, alipay_gateway_from_config
from adapters.gateways.alipay.refusals import FINAL_REFUSALS
from application.errors import ProviderError, UnsupportedPayMethod
from application.records import PaymentConfig
from domain.beijing import BEIJING
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.updates import UpdateKind
from tests.integration.alipay.stub import StubAlipay
from tests.integration.alipay.wire import APP_ID, SELLER_ID, payment, refund, rsa2_ok
from tests.rsa_keys import KeyPair

CONFIG = PaymentConfig(config_id=101, payment_type=PaymentType.ALIPAY, config_name="main")
NOT_EXIST = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}
STATUS_ERROR = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR",
                "sub_msg": "交易状态不合法"}
PAID = {"code": "10000", "msg": "Success", "trade_status": "TRADE_SUCCESS", "total_amount": "0.10",
        "trade_no": "2026112422001", "send_pay_date": "2026-11-24 20:03:17"}


def url_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


@pytest.mark.parametrize(("pay_method", "method", "product_code"),
                         [("pc", "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
                          ("wap", "alipay.trade.wap.pay", "QUICK_WAP_WAY")])
async def test_create_signs_a_get_url_without_calling_alipay(gateway: AlipayGateway, stub: StubAlipay,
                                                             app_keys: KeyPair, pay_method: str, method: str,
                                                             product_code: str) -> None:
    order = payment(total="0.10", pay_method=pay_method)
    checkout = await gateway.create(order, CONFIG)
    assert checkout.pay_url is not None
    assert checkout.pay_url.startswith(f"{stub.base_url}/gateway.do?")  # the port survives
    params = url_params(checkout.pay_url)
    content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
    assert rsa2_ok(app_keys.public_pem, content, params["sign"])
    biz = json.loads(params["biz_content"])
    assert (params["method"], params["app_id"], params["sign_type"]) == (method, APP_ID, "RSA2")
    assert biz["product_code"] == product_code
    assert (biz["out_trade_no"], biz["total_amount"], biz["subject"]) == (order.order_no, "0.10", "Thesis polishing")
    assert biz["time_expire"] == order.expire_time.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    assert params["notify_url"] == "http://127.0.0.1:8000/v1/notify/alipay/101"
    assert params["return_url"] == "http://shop.example/paid"
    assert stub.requests == []


async def test_alipay_page_pay_timestamp_is_beijing_time_not_the_hosts_local_time(gateway: AlipayGateway) -> None:
    # The SDK stamps requests with datetime.now() (local time; this host runs UTC); Alipay reads Beijing time.
    checkout = await gateway.create(payment(), CONFIG)
    stamp = datetime.strptime(url_params(checkout.pay_url or "")["timestamp"] + " +0800", "%Y-%m-%d %H:%M:%S %z")
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=1)


async def test_a_payments_return_url_overrides_the_configs(gateway: AlipayGateway) -> None:
    checkout = await gateway.create(payment(return_url="https://shop.example/order/7"), CONFIG)
    assert url_params(checkout.pay_url or "")["return_url"] == "https://shop.example/order/7"


async def test_create_refuses_a_pay_method_alipay_does_not_have(gateway: AlipayGateway) -> None:
    with pytest.raises(UnsupportedPayMethod):
        await gateway.create(payment(pay_method=PayMethod.NATIVE), CONFIG)


async def test_query_of_a_trade_alipay_never_saw_is_none(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.answers["alipay.trade.query"] = NOT_EXIST
    assert await gateway.query(payment(), CONFIG) is None


async def test_query_refusal_is_a_provider_error(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.answers["alipay.trade.query"] = {"code": "20000", "msg": "Service Currently Unavailable",
                                          "sub_code": "isp.unknow-error", "sub_msg": "系统繁忙"}
    with pytest.raises(ProviderError) as caught:
        await gateway.query(payment(), CONFIG)
    assert caught.value.extra["sub_code"] == "isp.unknow-error"


async def test_close_answers_closed(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.answers["alipay.trade.close"] = {"code": "10000", "msg": "Success", "trade_no": "2026112422001"}
    update = await gateway.close(payment(), CONFIG)
    assert (update.kind, update.trade_no) == (UpdateKind.CLOSED, "2026112422001")


async def test_close_of_a_trade_alipay_never_saw_is_closed_locally(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.answers["alipay.trade.close"] = NOT_EXIST
    assert (await gateway.close(payment(), CONFIG)).kind is UpdateKind.CLOSED


async def test_close_of_a_paid_trade_reports_it_paid(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.answers |= {"alipay.trade.close": STATUS_ERROR, "alipay.trade.query": PAID}
    update = await gateway.close(payment(total="0.10"), CONFIG)
    assert (update.kind, update.amount) == (UpdateKind.PAID, Money(10))
    assert [r["method"] for r in stub.requests] == ["alipay.trade.close", "alipay.trade.query"]


async def test_close_status_error_on_a_still_waiting_trade_is_a_provider_error(gateway: AlipayGateway,
                                                                               stub: StubAlipay) -> None:
    waiting = PAID | {"trade_status": "WAIT_BUYER_PAY"}
    stub.answers |= {"alipay.trade.close": STATUS_ERROR, "alipay.trade.query": waiting}
    with pytest.raises(ProviderError):
        await gateway.close(payment(), CONFIG)


async def test_refund_sends_refund_no_as_out_request_no_and_two_decimals(gateway: AlipayGateway,
                                                                         stub: StubAlipay) -> None:
    stub.answers["alipay.trade.refund"] = {"code": "10000", "msg": "Success", "fund_change": "Y",
                                           "refund_fee": "0.10", "gmt_refund_pay": "2026-11-24 21:00:00"}
    order = payment(total="1.00")
    update = await gateway.refund(order, refund(order.order_no, "R-1", "0.10"), CONFIG)
    assert (update.kind, update.refund_no, update.amount) == (UpdateKind.REFUND_SUCCEEDED, "R-1", Money(10))
    biz = json.loads(stub.requests[0]["biz_content"])
    assert (biz["out_request_no"], biz["refund_amount"], biz["out_trade_no"]) == ("R-1", "0.10", order.order_no)


async def test_refund_without_fund_change_is_confirmed_by_a_refund_query(gateway: AlipayGateway,
                                                                         stub: StubAlipay) -> None:
    stub.answers |= {
        "alipay.trade.refund": {"code": "10000", "msg": "Success", "fund_change": "N", "refund_fee": "0.10"},
        "alipay.trade.fastpay.refund.query": {"code": "10000", "msg": "Success", "refund_status": "REFUND_SUCCESS",
                                              "refund_amount": "0.10", "out_request_no": "R-1"},
    }
    order = payment(total="1.00")
    update = await gateway.refund(order, refund(order.order_no, "R-1", "0.10"), CONFIG)
    assert (update.kind, update.amount) == (UpdateKind.REFUND_SUCCEEDED, Money(10))
    assert [r["method"] for r in stub.requests] == ["alipay.trade.refund", "alipay.trade.fastpay.refund.query"]


def business_failed(sub_code: str, sub_msg: str = "业务失败") -> dict[str, str]:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


@pytest.mark.parametrize("sub_code", sorted(FINAL_REFUSALS))
async def test_a_final_refund_refusal_is_refund_failed_with_alipays_code_and_message(
        gateway: AlipayGateway, stub: StubAlipay, sub_code: str) -> None:
    stub.answers["alipay.trade.refund"] = business_failed(sub_code, "退款被拒绝")
    order = payment(total="1.00")
    update = await gateway.refund(order, refund(order.order_no, "R-1", "2.00"), CONFIG)
    assert (update.kind, update.refund_no) == (UpdateKind.REFUND_FAILED, "R-1")
    assert (update.failure_code, update.failure_message) == (sub_code, "退款被拒绝")
    assert [r["method"] for r in stub.requests] == ["alipay.trade.refund"]


@pytest.mark.parametrize("answer", [
    business_failed("ACQ.SYSTEM_ERROR", "系统错误"),  # Alipay: retry with the same out_request_no
    business_failed("ACQ.SOMETHING_NEW", "未知"),  # a code paycore does not know is never taken as final
    {"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "isp.unknow-error", "sub_msg": "系统繁忙"},
    {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"},
], ids=["system_error", "unknown_code", "service_unavailable", "gateway_error"])
async def test_a_refund_error_that_is_not_a_final_refusal_raises_so_the_refund_stays_processing(
        gateway: AlipayGateway, stub: StubAlipay, answer: dict[str, str]) -> None:
    stub.answers["alipay.trade.refund"] = answer
    order = payment(total="1.00")
    with pytest.raises(ProviderError) as caught:
        await gateway.refund(order, refund(order.order_no, "R-1", "0.10"), CONFIG)
    assert caught.value.extra["sub_code"] == answer["sub_code"]


async def test_a_refund_query_naming_no_refund_is_refund_not_found(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.answers["alipay.trade.fastpay.refund.query"] = {"code": "10000", "msg": "Success"}
    order = payment(total="1.00")
    update = await gateway.query_refund(order, refund(order.order_no, "R-1", "0.10"), CONFIG)
    assert (update.kind, update.refund_no) == (UpdateKind.REFUND_NOT_FOUND, "R-1")


async def test_a_refund_call_alipay_accepted_without_fund_change_is_processing_even_if_the_query_finds_nothing(
        gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.answers |= {"alipay.trade.refund": {"code": "10000", "msg": "Success", "fund_change": "N"},
                     "alipay.trade.fastpay.refund.query": {"code": "10000", "msg": "Success"}}
    order = payment(total="1.00")
    update = await gateway.refund(order, refund(order.order_no, "R-1", "0.10"), CONFIG)
    assert update.kind is UpdateKind.REFUND_PROCESSING


def test_gateway_from_config_uses_the_opened_secret_and_the_public_gateway_by_default(app_keys: KeyPair,
                                                                                      alipay_keys: KeyPair) -> None:
    config = PaymentConfig(config_id=7, payment_type=PaymentType.ALIPAY, config_name="main", app_id=APP_ID,
                           settings={"alipay_public_key": alipay_keys.public_pem, "seller_id": SELLER_ID},
                           return_url="https://shop.example/paid")
    gateway = alipay_gateway_from_config(config, {"private_key": app_keys.pkcs1_pem}, "http://paycore/n/7", 3.0)
    credentials = gateway.credentials
    assert credentials.gateway_url == "https://openapi.alipay.com/gateway.do"
    assert (credentials.notify_url, credentials.seller_id) == ("http://paycore/n/7", SELLER_ID)
    assert "PRIVATE" not in repr(gateway)
    gateway.close_connections()
