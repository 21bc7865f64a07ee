"""Refunds the emulator refuses (with the providers' codes) or loses (a timeout / 5xx, nothing recorded), so that
paycore's handling of both can be tested against the real wire protocols."""

from __future__ import annotations

import json

import pytest
from alipay.aop.api.exception.Exception import ResponseException
from alipay.aop.api.request.AlipayTradeFastpayRefundQueryRequest import AlipayTradeFastpayRefundQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest

from tests.emulator.conftest import Emulator
from tests.emulator.test_wechat_refunds import refund as wechat_refund
from tests.emulator.wechat_env import WeChatEnv, call

REFUND = {"out_trade_no": "PAID-1", "refund_amount": "0.10", "out_request_no": "R1"}
QUERY = {"out_trade_no": "PAID-1", "out_request_no": "R1"}


async def test_an_armed_alipay_refusal_refuses_the_next_refund_with_its_code_and_records_nothing(
        emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1")
    armed = await emulator.http.post("/_control/alipay/refund-refusals",
                                     json={"sub_code": "ACQ.TRADE_HAS_FINISHED", "sub_msg": "交易已完结"})
    assert armed.json() == {"sub_code": "ACQ.TRADE_HAS_FINISHED", "sub_msg": "交易已完结", "remaining": 1}
    refused = await emulator.execute(AlipayTradeRefundRequest, REFUND)
    assert (refused["code"], refused["sub_code"]) == ("40004", "ACQ.TRADE_HAS_FINISHED")
    assert refused["sub_msg"] == "交易已完结"
    assert "refund_status" not in await emulator.execute(AlipayTradeFastpayRefundQueryRequest, QUERY)
    assert (await emulator.execute(AlipayTradeRefundRequest, REFUND))["fund_change"] == "Y"  # only one was armed


async def test_a_lost_alipay_refund_answers_504_and_its_query_names_no_refund(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1")
    await emulator.http.post("/_control/alipay/faults", json={"mode": "lost", "count": 1, "seconds": 0.05})
    with pytest.raises(ResponseException, match="504"):
        await emulator.execute(AlipayTradeRefundRequest, REFUND)
    answer = await emulator.execute(AlipayTradeFastpayRefundQueryRequest, QUERY)
    assert answer["code"] == "10000"
    assert "out_request_no" not in answer  # Alipay: not refunded, send it again with the same out_request_no
    assert "refund_amount" not in answer
    trade = (await emulator.http.get("/_control/alipay/trades/PAID-1")).json()
    assert trade["refunds"] == []


async def test_an_armed_wechat_refusal_refuses_the_next_refund_with_its_status_and_code(wechat: WeChatEnv) -> None:
    await wechat.paid("ORDER-0001")
    armed = await wechat.http.post("/_control/wechat/refund-refusals",
                                   json={"status": 403, "code": "NOT_ENOUGH", "message": "基本账户余额不足"})
    assert armed.json()["remaining"] == 1
    code, answer = await wechat_refund(wechat, "REFUND-1", 30)
    assert (code, answer["code"], answer["message"]) == (403, "NOT_ENOUGH", "基本账户余额不足")
    code, text = await call(wechat.sdk().query_refund, out_refund_no="REFUND-1")
    assert (code, json.loads(text)["code"]) == (404, "RESOURCE_NOT_EXISTS")
    assert (await wechat_refund(wechat, "REFUND-1", 30))[0] == 200


async def test_a_lost_wechat_refund_answers_504_and_its_query_is_resource_not_exists(wechat: WeChatEnv) -> None:
    await wechat.paid("ORDER-0001")
    await wechat.http.post("/_control/wechat/faults", json={"mode": "lost", "count": 1, "seconds": 0.05})
    code, answer = await wechat_refund(wechat, "REFUND-1", 30)
    assert (code, answer["code"]) == (504, "SYSTEM_ERROR")
    code, text = await call(wechat.sdk().query_refund, out_refund_no="REFUND-1")
    assert (code, json.loads(text)["code"]) == (404, "RESOURCE_NOT_EXISTS")
