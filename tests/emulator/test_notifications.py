"""Asynchronous notifications: retried on Alipay's schedule until "success", recorded, cancelled on shutdown."""

from __future__ import annotations

import asyncio

from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest

from emulator.alipay.notifier import ALIPAY_RETRY_DELAYS, retry_delays
from emulator.settings import EmulatorSettings
from tests.emulator.conftest import FAST_SETTINGS, Emulator, running_emulator
from tests.emulator.harness import Receiver, receiving


def test_alipays_schedule_is_4m_10m_10m_1h_2h_6h_15h_and_scales() -> None:
    assert ALIPAY_RETRY_DELAYS == (240, 600, 600, 3600, 7200, 21600, 54000)
    assert retry_delays(0.001)[:3] == (0.24, 0.6, 0.6)
    assert retry_delays(1.0, override=(0.1, 0.2)) == (0.1, 0.2)


async def test_a_notification_is_retried_until_the_receiver_answers_success(emulator: Emulator) -> None:
    async with receiving(answers=["fail", "", "  success\n"], default="unexpected") as receiver:
        await emulator.paid_trade("PAID-1", notify_url=receiver.url)
        forms = await receiver.wait_for(3)
        assert len({form["notify_id"] for form in forms}) == 1
        await asyncio.wait_for(emulator.alipay.notifier.drain(), 5)
        attempts = (await emulator.http.get("/_control/alipay/notifications")).json()
    assert [(a["attempt"], a["body"], a["acknowledged"]) for a in attempts] == [
        (1, "fail", False), (2, "", False), (3, "  success\n", True)]
    assert all(a["status_code"] == 200 and a["url"] == receiver.url for a in attempts)


async def test_delivery_gives_up_after_the_last_retry_of_the_schedule() -> None:
    settings = EmulatorSettings(notify_retry_delays=(0.01,) * 7)
    async with running_emulator(settings) as emulator, receiving(default="fail") as receiver:
        await emulator.paid_trade("PAID-1", notify_url=receiver.url)
        await asyncio.wait_for(emulator.alipay.notifier.drain(), 5)
        attempts = emulator.alipay.notifier.attempts
    assert [a.attempt for a in attempts] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert len(receiver.forms) == 8


async def test_an_unreachable_notify_url_is_recorded_as_an_error(emulator: Emulator) -> None:
    async with receiving() as receiver:
        gone = receiver.url
    await emulator.http.post("/_control/alipay/reset")
    await emulator.paid_trade("PAID-1", notify_url=gone)
    answer = await emulator.http.post("/_control/alipay/trades/PAID-1/notify", json={"variant": "current"})
    assert answer.json()["error"].startswith("ConnectError")
    assert answer.json()["acknowledged"] is False


async def test_pending_retries_are_cancelled_when_the_emulator_stops() -> None:
    async with running_emulator(FAST_SETTINGS) as emulator, receiving(default="fail") as receiver:
        await emulator.paid_trade("PAID-1", notify_url=receiver.url)
        await receiver.wait_for(1)
        notifier = emulator.alipay.notifier
        assert notifier.pending == 1
    assert notifier.pending == 0


async def test_a_full_refund_notifies_trade_closed_with_the_refund(emulator: Emulator, receiver: Receiver) -> None:
    await emulator.paid_trade("PAID-1", "1.00", notify_url=receiver.url)
    await emulator.execute(AlipayTradeRefundRequest,
                           {"out_trade_no": "PAID-1", "refund_amount": "1.00", "out_request_no": "R1"})
    paid, closed = await receiver.wait_for(2)
    assert paid["trade_status"] == "TRADE_SUCCESS"
    assert (closed["trade_status"], closed["refund_fee"], closed["out_biz_no"]) == ("TRADE_CLOSED", "1.00", "R1")
    assert closed["gmt_refund"].startswith(closed["gmt_close"])
    assert closed["notify_id"] != paid["notify_id"]
