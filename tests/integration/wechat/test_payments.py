"""Native and JSAPI orders, queries and closes through the real SDK, in both key modes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.gateways.wechat import WeChatGateway
from application.errors import OpenidRequired, ProviderError
from domain.kinds import PayMethod
from domain.updates import UpdateKind
from tests.integration.wechat.conftest import CONFIG, Clock
from tests.integration.wechat.stub import StubWeChat
from tests.integration.wechat.wire import APPID, MCHID, NOTIFY_URL, paid_resource, payment, verifies
from tests.rsa_keys import KeyPair

QUERY = "GET /v3/pay/transactions/out-trade-no/T20261124001"


async def test_native_order_answers_the_code_url(gateway: WeChatGateway, stub: StubWeChat) -> None:
    checkout = await gateway.create(payment(), CONFIG)

    assert checkout.code_url == "weixin://wxpay/bizpayurl?pr=stub0001"
    sent = stub.seen[-1]
    assert (sent.method, sent.path, sent.auth_ok) == ("POST", "/v3/pay/transactions/native", True)
    assert sent.body == {"notify_url": NOTIFY_URL, "description": "Thesis polishing", "out_trade_no": "T20261124001",
                         "amount": {"total": 9990, "currency": "CNY"}, "time_expire": "2026-11-24T20:30:00+08:00",
                         "appid": APPID, "mchid": MCHID}


async def test_amounts_go_to_wechat_in_fen_never_through_a_float(gateway: WeChatGateway, stub: StubWeChat) -> None:
    await gateway.create(payment(total="0.10"), CONFIG)
    await gateway.create(payment(order_no="T2", total="0.29"), CONFIG)  # 0.29 * 100 == 28.999999999999996

    assert [s.body["amount"] for s in stub.seen if s.body] == [{"total": 10, "currency": "CNY"},
                                                               {"total": 29, "currency": "CNY"}]


async def test_time_expire_is_rfc3339_in_beijing_time(gateway: WeChatGateway, stub: StubWeChat) -> None:
    await gateway.create(payment(expire_minutes=12 * 60 + 5), CONFIG)  # crosses midnight in Beijing

    assert stub.seen[-1].body is not None
    assert stub.seen[-1].body["time_expire"] == "2026-11-25T08:05:00+08:00"


async def test_jsapi_order_answers_pay_params_whose_pay_sign_verifies_with_the_merchant_public_key(
        gateway: WeChatGateway, stub: StubWeChat, merchant_keys: KeyPair, clock: Clock) -> None:
    checkout = await gateway.create(payment(pay_method=PayMethod.JSAPI, openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"), CONFIG)

    params = checkout.pay_params
    assert stub.seen[-1].path == "/v3/pay/transactions/jsapi"
    assert stub.seen[-1].body is not None
    assert stub.seen[-1].body["payer"] == {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
    assert params["appId"] == APPID
    assert params["package"] == "prepay_id=wx24200317stub0001"
    assert params["signType"] == "RSA"
    assert params["timeStamp"] == str(int(clock.moment.timestamp()))
    assert 16 <= len(params["nonceStr"]) <= 32
    message = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    assert verifies(merchant_keys.public_pem, message, params["paySign"])


async def test_jsapi_nonces_differ_between_orders(gateway: WeChatGateway) -> None:
    first = await gateway.create(payment(pay_method=PayMethod.JSAPI, openid="o1"), CONFIG)
    second = await gateway.create(payment(order_no="T2", pay_method=PayMethod.JSAPI, openid="o1"), CONFIG)

    assert first.pay_params["nonceStr"] != second.pay_params["nonceStr"]


async def test_jsapi_without_openid_is_refused_before_wechat_is_called(gateway: WeChatGateway,
                                                                       stub: StubWeChat) -> None:
    with pytest.raises(OpenidRequired):
        await gateway.create(payment(pay_method=PayMethod.JSAPI), CONFIG)
    assert stub.seen == []


async def test_query_translates_a_paid_order(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers[QUERY] = (200, paid_resource())

    update = await gateway.query(payment(), CONFIG)

    assert update is not None
    assert update.kind is UpdateKind.PAID
    assert (update.amount and update.amount.fen, update.receipt_amount and update.receipt_amount.fen) == (9990, 9990)
    assert update.trade_no == "4200002026112400001"
    assert update.buyer_id == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    assert update.occurred_at == datetime(2026, 11, 24, 12, 3, 17, tzinfo=UTC)
    assert (update.app_id, update.merchant_id) == (APPID, MCHID)
    assert stub.seen[-1].path == "/v3/pay/transactions/out-trade-no/T20261124001?mchid=1900000109"
    assert stub.seen[-1].auth_ok


@pytest.mark.parametrize(("trade_state", "kind"), [
    ("NOTPAY", UpdateKind.WAITING), ("USERPAYING", UpdateKind.WAITING), ("SUCCESS", UpdateKind.PAID),
    ("REFUND", UpdateKind.PAID), ("CLOSED", UpdateKind.CLOSED), ("REVOKED", UpdateKind.CLOSED),
    ("PAYERROR", UpdateKind.CLOSED),
])
async def test_query_maps_every_trade_state(gateway: WeChatGateway, stub: StubWeChat, trade_state: str,
                                            kind: UpdateKind) -> None:
    answer = paid_resource(trade_state=trade_state)
    if trade_state in ("NOTPAY", "USERPAYING", "CLOSED"):
        answer = {k: v for k, v in answer.items() if k not in ("transaction_id", "success_time", "payer")}
        answer["amount"] = {"total": 9990, "currency": "CNY"}
    stub.answers[QUERY] = (200, answer)

    update = await gateway.query(payment(), CONFIG)

    assert update is not None
    assert update.kind is kind


async def test_query_of_an_order_wechat_does_not_know_is_none(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers[QUERY] = (404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})

    assert await gateway.query(payment(), CONFIG) is None


async def test_query_with_an_unknown_trade_state_is_a_provider_error(gateway: WeChatGateway,
                                                                     stub: StubWeChat) -> None:
    stub.answers[QUERY] = (200, paid_resource(trade_state="ACCEPT"))

    with pytest.raises(ProviderError, match="trade_state"):
        await gateway.query(payment(), CONFIG)


async def test_close_answers_closed_on_wechats_204(gateway: WeChatGateway, stub: StubWeChat) -> None:
    update = await gateway.close(payment(), CONFIG)

    assert update.kind is UpdateKind.CLOSED
    assert update.order_no == "T20261124001"
    sent = stub.seen[-1]
    assert (sent.path, sent.body, sent.auth_ok) == ("/v3/pay/transactions/out-trade-no/T20261124001/close",
                                                    {"mchid": MCHID}, True)


async def test_close_of_an_order_paid_first_answers_the_paid_state(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.answers["POST /v3/pay/transactions/out-trade-no/T20261124001/close"] = (
        400, {"code": "ORDERPAID", "message": "订单已支付"})
    stub.answers[QUERY] = (200, paid_resource())

    update = await gateway.close(payment(), CONFIG)

    assert update.kind is UpdateKind.PAID
    assert update.trade_no == "4200002026112400001"
