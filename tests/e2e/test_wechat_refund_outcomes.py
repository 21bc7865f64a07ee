"""Every WeChat refund ends: a refusal is FAILED with WeChat's code, a refund WeChat never received (lost, or never
sent at all) is sent by the sweep, a 5xx never makes it FAILED (real paycore, real emulator, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.money import Money
from tests.conftest import SQL_BACKENDS, migrated_database
from tests.e2e.refund_outcomes import AT_ONCE, outbox_types, tick
from tests.e2e.wechat_live import WeChatLive, live_wechat

BROKE = "基本账户余额不足，请充值后重新发起"


@pytest.fixture(params=SQL_BACKENDS)
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WeChatLive]:
    """paycore and the emulator served, on each SQL backend; the refund sweep looks at once."""
    async with live_wechat(tmp_path, await migrated_database(request.param, tmp_path), **AT_ONCE) as served:
        yield served


async def paid(live: WeChatLive, order_no: str) -> None:
    await live.create(order_no)
    await live.pay_on_scan_page(order_no)
    await live.wait_for_status(order_no, "TRADE_SUCCESS")


async def refund(live: WeChatLive, order_no: str, refund_no: str, amount: str = "99.90") -> tuple[int, dict[str, str]]:
    response = await live.api("POST", f"/v1/payments/{order_no}/refunds",
                              json={"refund_no": refund_no, "refund_amount": amount})
    return response.status_code, response.json()


async def test_a_refund_wechat_refuses_is_failed_with_its_code_frees_the_amount_and_sends_refund_failed(
        live: WeChatLive) -> None:
    await paid(live, "WXREFUSE01")
    await live.control("POST", "/refund-refusals", status=403, code="NOT_ENOUGH", message=BROKE)

    status, refused = await refund(live, "WXREFUSE01", "WXRF1")

    assert (status, refused["refund_status"]) == (201, "FAILED")
    assert (refused["failure_code"], refused["failure_message"]) == ("NOT_ENOUGH", BROKE)
    assert "refund.failed" in await outbox_types(live.container, "WXREFUSE01")
    status, again = await refund(live, "WXREFUSE01", "WXRF2")  # the whole amount is free again
    assert (status, again["refund_status"]) == (201, "PROCESSING")


async def test_a_refund_lost_on_its_way_to_wechat_is_sent_again_by_the_sweep_with_the_same_number(
        live: WeChatLive) -> None:
    await paid(live, "WXLOST0001")
    await live.control("POST", "/faults", mode="lost", count=1, seconds=0.0)

    status, answer = await refund(live, "WXLOST0001", "WXLR1", "40.00")

    assert (status, answer["code"]) == (502, "PROVIDER_UNAVAILABLE")
    assert (await live.get("/v1/refunds/WXLR1"))["refund_status"] == "PROCESSING"
    assert await tick(live.container, "refund_sync") == 1  # RESOURCE_NOT_EXISTS: sent again
    order = await live.control("GET", "/transactions/WXLOST0001")
    assert [(r["out_refund_no"], r["amount"]["refund"]) for r in order["refunds"]] == [("WXLR1", 4000)]
    await live.control("POST", "/refunds/WXLR1/succeed")
    assert (await live.wait_for_refund_status("WXLR1", "SUCCESS"))["refund_amount"] == "40.00"


async def test_a_processing_refund_that_was_never_sent_is_sent_by_the_sweep(live: WeChatLive) -> None:
    await paid(live, "WXNEVER001")
    async with live.container.uow()() as uow:  # as paycore's own full refund of a payment paid after close does
        payment = await uow.payments.get("WXNEVER001")
        assert payment is not None
        payment.request_refund("WXNR1", Money.from_yuan("99.90"), "paid after close", payment.create_time)
        await uow.payments.save(payment)
        await uow.commit()

    assert await tick(live.container, "refund_sync") == 1

    order = await live.control("GET", "/transactions/WXNEVER001")
    assert [r["out_refund_no"] for r in order["refunds"]] == ["WXNR1"]
    assert (await live.get("/v1/refunds/WXNR1"))["refund_status"] == "PROCESSING"


async def test_a_wechat_system_error_never_makes_a_refund_failed(live: WeChatLive) -> None:
    await paid(live, "WXOUTAGE01")
    await live.control("POST", "/faults", mode="http_500", count=2)

    status, answer = await refund(live, "WXOUTAGE01", "WXOR1", "10.00")
    assert (status, answer["code"]) == (502, "PROVIDER_UNAVAILABLE")
    await tick(live.container, "refund_sync")

    assert (await live.get("/v1/refunds/WXOR1"))["refund_status"] == "PROCESSING"
    assert "refund.failed" not in [e["event_type"] for e in await live.events("WXOUTAGE01")]
