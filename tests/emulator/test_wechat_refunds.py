"""Refunds through the SDK: PROCESSING at first, then finished by time or by the control API, with callbacks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from tests.emulator.wechat_env import FAST, CallbackReceiver, WeChatEnv, call, running_wechat


@pytest.fixture
async def slow_refunds() -> AsyncIterator[WeChatEnv]:
    """An emulator whose refunds stay PROCESSING until the control API finishes them."""
    async with running_wechat(replace(FAST, wechat_refund_delay=600)) as running:
        yield running


async def refund(wechat: WeChatEnv, out_refund_no: str, amount: int, total: int = 100,
                 notify_url: str | None = None) -> tuple[int, dict[str, Any]]:
    sdk = wechat.sdk(notify_url) if notify_url else wechat.sdk()
    code, text = await call(sdk.refund, out_refund_no=out_refund_no, out_trade_no="ORDER-0001",
                            amount={"refund": amount, "total": total, "currency": "CNY"}, reason="测试退款")
    answer: dict[str, Any] = json.loads(text)
    return code, answer


async def test_a_refund_is_processing_then_succeeds_with_a_refund_success_callback(
    wechat: WeChatEnv, callbacks: CallbackReceiver
) -> None:
    await wechat.paid("ORDER-0001", 100, notify_url=callbacks.url)
    code, answer = await refund(wechat, "REFUND-1", 30, notify_url=callbacks.url)
    assert (code, answer["status"], answer["channel"]) == (200, "PROCESSING", "ORIGINAL")
    assert answer["amount"]["refund"] == 30
    paid, refunded = await callbacks.wait_for(2)
    assert paid.json["event_type"] == "TRANSACTION.SUCCESS"
    assert (refunded.json["event_type"], refunded.json["summary"]) == ("REFUND.SUCCESS", "退款成功")
    resource = refunded.resource()
    assert (resource["out_refund_no"], resource["refund_status"]) == ("REFUND-1", "SUCCESS")
    assert resource["amount"]["refund"] == 30
    assert refunded.json["resource"]["associated_data"] == "refund"
    code, text = await call(wechat.sdk().query_refund, out_refund_no="REFUND-1")
    queried = json.loads(text)
    assert (queried["status"], queried["refund_id"]) == ("SUCCESS", answer["refund_id"])
    assert queried["success_time"].endswith("+08:00")
    code, text = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert json.loads(text)["trade_state"] == "REFUND"


async def test_asking_for_the_same_refund_again_answers_the_same_refund(slow_refunds: WeChatEnv) -> None:
    await slow_refunds.paid("ORDER-0001")
    first, second = await refund(slow_refunds, "REFUND-1", 40), await refund(slow_refunds, "REFUND-1", 40)
    assert first[1]["refund_id"] == second[1]["refund_id"]
    code, _third = await refund(slow_refunds, "REFUND-2", 60)
    assert code == 200


async def test_a_refund_over_what_is_left_is_refused(slow_refunds: WeChatEnv) -> None:
    await slow_refunds.paid("ORDER-0001")
    await refund(slow_refunds, "REFUND-1", 70)
    code, answer = await refund(slow_refunds, "REFUND-2", 31)
    assert (code, answer["code"]) == (400, "INVALID_REQUEST")


async def test_a_refund_of_an_unpaid_order_is_refused(slow_refunds: WeChatEnv) -> None:
    await slow_refunds.native("ORDER-0001")
    code, answer = await refund(slow_refunds, "REFUND-1", 10)
    assert (code, answer["code"]) == (400, "INVALID_REQUEST")


async def test_a_refund_of_an_unknown_order_or_an_unknown_refund_is_resource_not_exists(wechat: WeChatEnv) -> None:
    code, answer = await refund(wechat, "REFUND-1", 10)
    assert (code, answer["code"]) == (404, "RESOURCE_NOT_EXISTS")
    code, text = await call(wechat.sdk().query_refund, out_refund_no="REFUND-9")
    assert (code, json.loads(text)["code"]) == (404, "RESOURCE_NOT_EXISTS")


async def test_a_refund_stays_processing_until_the_control_api_succeeds_it(
    slow_refunds: WeChatEnv, callbacks: CallbackReceiver
) -> None:
    await slow_refunds.paid("ORDER-0001", notify_url=callbacks.url)
    await refund(slow_refunds, "REFUND-1", 100, notify_url=callbacks.url)
    _code, text = await call(slow_refunds.sdk().query_refund, out_refund_no="REFUND-1")
    assert json.loads(text)["status"] == "PROCESSING"
    finished = await slow_refunds.http.post("/_control/wechat/refunds/REFUND-1/succeed")
    assert finished.json()["status"] == "SUCCESS"
    _, refunded = await callbacks.wait_for(2)
    assert refunded.json["event_type"] == "REFUND.SUCCESS"
    again = await slow_refunds.http.post("/_control/wechat/refunds/REFUND-1/fail")
    assert again.status_code == 409


@pytest.mark.parametrize(("outcome", "status", "event"),
                         [("fail", "ABNORMAL", "REFUND.ABNORMAL"), ("close", "CLOSED", "REFUND.CLOSED")])
async def test_a_refund_that_fails_or_closes_calls_back_with_its_event(
    slow_refunds: WeChatEnv, callbacks: CallbackReceiver, outcome: str, status: str, event: str
) -> None:
    await slow_refunds.paid("ORDER-0001", notify_url=callbacks.url)
    await refund(slow_refunds, "REFUND-1", 100, notify_url=callbacks.url)
    await slow_refunds.http.post(f"/_control/wechat/refunds/REFUND-1/{outcome}")
    _, refunded = await callbacks.wait_for(2)
    assert (refunded.json["event_type"], refunded.resource()["refund_status"]) == (event, status)
    _code, text = await call(slow_refunds.sdk().query_refund, out_refund_no="REFUND-1")
    assert json.loads(text)["status"] == status


async def test_a_closed_refund_gives_its_amount_back(slow_refunds: WeChatEnv) -> None:
    await slow_refunds.paid("ORDER-0001")
    await refund(slow_refunds, "REFUND-1", 100)
    await slow_refunds.http.post("/_control/wechat/refunds/REFUND-1/close")
    assert (await refund(slow_refunds, "REFUND-2", 100))[0] == 200
