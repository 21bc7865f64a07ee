"""Alipay end to end: the real paycore app and the real emulator on their own ports, SQLite, real RSA keys.

The payer pays on the emulator's cashier page, the emulator notifies paycore over HTTP, and paycore's API
shows what happened; notifications that must not count are sent on demand through the emulator's control API.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.e2e.alipay_live import Live, live_alipay


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    """paycore and the emulator, served."""
    async with live_alipay(tmp_path) as served:
        yield served


def utc_of_beijing(text: str) -> datetime:
    """Alipay's Beijing wall-clock "yyyy-MM-dd HH:mm:ss" as an aware UTC moment."""
    return datetime.strptime(f"{text} +0800", "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)


def moment(text: str) -> datetime:
    """paycore's ISO 8601 time."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def pay_and_hear(live: Live, order_no: str, total_amount: str = "99.90") -> dict[str, Any]:
    """Create a payment, pay it on the cashier page, wait for paycore to hear; the paid payment."""
    created = await live.create(order_no, total_amount)
    await live.pay_at_cashier(created["pay_url"])
    return await live.wait_for_status(order_no, "TRADE_SUCCESS")


async def pay_unheard(live: Live, order_no: str) -> dict[str, Any]:
    """A payment of the config whose notifications are lost, paid at the emulator through the control API."""
    created = await live.create(order_no, config_id=live.lost_config.config_id)
    await live.open_cashier(created["pay_url"])
    trade: dict[str, Any] = await live.control("POST", f"/trades/{order_no}/pay")
    assert trade["trade_status"] == "TRADE_SUCCESS"
    return trade


async def test_a_payer_pays_at_the_cashier_and_a_partial_refund_settles(live: Live) -> None:
    live.shift_emulator_clock(-timedelta(minutes=7, seconds=13))  # Alipay's clock is not paycore's
    created = await live.create("E2EPAY0001", "99.90")
    assert created["trade_status"] == "WAIT_BUYER_PAY"
    assert created["pay_url"].startswith(f"{live.emulator_url}/gateway.do?")

    await live.pay_at_cashier(created["pay_url"])
    paid = await live.wait_for_status("E2EPAY0001", "TRADE_SUCCESS")

    trade = await live.control("GET", "/trades/E2EPAY0001")
    assert paid["trade_no"] == trade["trade_no"]
    assert moment(paid["payment_time"]) == utc_of_beijing(trade["gmt_payment"])
    assert abs(moment(paid["payment_time"]) - datetime.now(UTC)) > timedelta(minutes=7)
    assert paid["buyer_account"] == trade["buyer_logon_id"]
    assert [(e["event_type"], e["source"]) for e in await live.events("E2EPAY0001")] == [
        ("payment.created", "api"), ("payment.succeeded", "notify")]

    refund = await live.api("POST", "/v1/payments/E2EPAY0001/refunds",
                            json={"refund_no": "E2EREF0001", "refund_amount": "30.00", "reason": "partial"})
    assert refund.status_code == 201, refund.text
    assert refund.json()["refund_status"] == "SUCCESS"
    assert (await live.control("GET", "/trades/E2EPAY0001"))["refund_fee"] == "30.00"

    synced = await live.api("GET", "/v1/refunds/E2EREF0001", params={"sync": "true"})
    assert synced.status_code == 200, synced.text
    assert synced.json()["refund_status"] == "SUCCESS"
    assert synced.json()["refund_amount"] == "30.00"
    after = await live.payment("E2EPAY0001")
    assert (after["trade_status"], after["refunded_amount"]) == ("TRADE_SUCCESS", "30.00")

    # Alipay also notifies the refund; paycore acknowledges it (already known) so the retries stop.
    attempts = await live.wait_for_attempts("E2EPAY0001", 2)
    assert [a["acknowledged"] for a in attempts] == [True, True]


async def test_sync_finds_a_payment_whose_notification_was_lost(live: Live) -> None:
    trade = await pay_unheard(live, "E2ELOST001")
    attempts = await live.wait_for_attempts("E2ELOST001", 2)
    assert not any(a["acknowledged"] for a in attempts)
    assert all(a["error"] for a in attempts)  # nobody listens at the config's notify_url
    assert (await live.payment("E2ELOST001"))["trade_status"] == "WAIT_BUYER_PAY"

    synced = await live.payment("E2ELOST001", sync=True)

    assert synced["trade_status"] == "TRADE_SUCCESS"
    assert synced["trade_no"] == trade["trade_no"]
    assert moment(synced["payment_time"]) == utc_of_beijing(trade["gmt_payment"])
    assert [(e["event_type"], e["source"]) for e in await live.events("E2ELOST001")] == [
        ("payment.created", "api"), ("payment.succeeded", "sync")]


async def test_closing_an_unpaid_order_closes_it_at_the_emulator_too(live: Live) -> None:
    created = await live.create("E2ECLOSE01")
    pay_form = await live.open_cashier(created["pay_url"])

    closed = await live.api("POST", "/v1/payments/E2ECLOSE01/close")

    assert closed.status_code == 200, closed.text
    assert closed.json()["trade_status"] == "TRADE_CLOSED"
    assert (await live.control("GET", "/trades/E2ECLOSE01"))["trade_status"] == "TRADE_CLOSED"
    refused = await live.http.post(f"{live.emulator_url}{pay_form}")
    assert refused.status_code == 409  # the payer can no longer pay it
    assert [e["event_type"] for e in await live.events("E2ECLOSE01")] == ["payment.created", "payment.closed"]


async def test_an_over_refund_is_refused_without_calling_the_emulator(live: Live) -> None:
    await pay_and_hear(live, "E2EOVER001", "30.00")
    first = await live.api("POST", "/v1/payments/E2EOVER001/refunds",
                           json={"refund_no": "E2EOVERR1", "refund_amount": "20.00"})
    assert first.status_code == 201, first.text
    calls = live.emulator.gateway_calls()

    over = await live.api("POST", "/v1/payments/E2EOVER001/refunds",
                          json={"refund_no": "E2EOVERR2", "refund_amount": "10.01"})

    assert over.status_code == 409, over.text
    assert over.json()["code"] == "REFUND_EXCEEDS_PAID"
    assert live.emulator.gateway_calls() == calls
    assert (await live.control("GET", "/trades/E2EOVER001"))["refund_fee"] == "20.00"
    assert (await live.payment("E2EOVER001"))["refunded_amount"] == "20.00"


async def snapshot(live: Live, order_no: str) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """What must not change: the payment, its journal, and how many notifications were logged."""
    return await live.payment(order_no), await live.events(order_no), len(await live.notifications(order_no))


async def send_variant(live: Live, order_no: str, variant: str, notify_url: str = "") -> dict[str, Any]:
    """Have the emulator send one notification variant now; what paycore answered."""
    answer: dict[str, Any] = await live.control("POST", f"/trades/{order_no}/notify", variant=variant,
                                                notify_url=notify_url)
    assert answer["status_code"] == 200, answer
    return answer


@pytest.mark.parametrize("variant", ["duplicate", "reordered"])
async def test_a_repeated_or_stale_notification_is_acknowledged_and_changes_nothing(live: Live, variant: str) -> None:
    order_no = f"E2E{variant.upper()[:6]}1"
    await pay_and_hear(live, order_no)
    await live.wait_for_attempts(order_no, 1)
    before = await snapshot(live, order_no)

    answer = await send_variant(live, order_no, variant)

    assert (answer["body"], answer["acknowledged"]) == ("success", True)
    payment, events, logged = await snapshot(live, order_no)
    assert (payment, events) == before[:2]
    assert payment["trade_status"] == "TRADE_SUCCESS"
    records = await live.notifications(order_no)
    assert logged == before[2] + 1
    assert (records[-1].outcome, records[-1].reason) == ("already_applied", None)
    assert records[-1].config_id == live.config.config_id


@pytest.mark.parametrize(("variant", "reason"), [
    ("forged", "bad_signature"),
    ("wrong_amount", "amount_mismatch"),
    ("wrong_app", "app_id_mismatch"),
    ("wrong_seller", "seller_mismatch"),
])
async def test_a_bad_notification_is_answered_fail_and_changes_nothing(live: Live, variant: str, reason: str) -> None:
    order_no = f"E2EBAD{variant.upper().replace('_', '')[:8]}"
    await pay_unheard(live, order_no)  # paid at Alipay, so a notification that counted would mark it paid
    notify_url = f"{live.paycore_url}/v1/notify/alipay/{live.lost_config.config_id}"
    before = await snapshot(live, order_no)

    answer = await send_variant(live, order_no, variant, notify_url)

    assert (answer["body"], answer["acknowledged"]) == ("fail", False)
    payment, events, logged = await snapshot(live, order_no)
    assert (payment, events) == before[:2]
    assert payment["trade_status"] == "WAIT_BUYER_PAY"
    assert logged == before[2] + 1
    record = (await live.notifications(order_no))[-1]
    assert (record.outcome, record.reason, record.config_id) == ("rejected", reason, live.lost_config.config_id)
    assert dict(parse_qsl(json.loads(record.raw)["body"])) == answer["sent"]  # kept raw, signature and all

    # The genuine notification of the same trade is accepted: only the variant's flaw was refused.
    genuine = await send_variant(live, order_no, "current", notify_url)
    assert (genuine["body"], (await live.payment(order_no))["trade_status"]) == ("success", "TRADE_SUCCESS")
