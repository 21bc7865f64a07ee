"""Every Alipay refund ends: a refusal is FAILED with Alipay's code, a lost refund is sent again, a timeout or
5xx never makes a refund FAILED (real paycore, real emulator, SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import SQL_BACKENDS, migrated_database
from tests.e2e.alipay_live import Live, live_alipay
from tests.e2e.refund_outcomes import AT_ONCE, outbox_types, tick
from tests.e2e.test_alipay_flows import pay_and_hear


@pytest.fixture(params=SQL_BACKENDS)
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Live]:
    """paycore and the emulator served, on each SQL backend; the refund sweep looks at once."""
    async with live_alipay(tmp_path, await migrated_database(request.param, tmp_path), **AT_ONCE) as served:
        yield served


async def refund(live: Live, order_no: str, refund_no: str, amount: str = "99.90") -> tuple[int, dict[str, object]]:
    response = await live.api("POST", f"/v1/payments/{order_no}/refunds",
                              json={"refund_no": refund_no, "refund_amount": amount})
    return response.status_code, response.json()


async def test_a_refund_alipay_refuses_is_failed_with_its_code_frees_the_amount_and_sends_refund_failed(
        live: Live) -> None:
    await pay_and_hear(live, "E2EREFUSE1")
    await live.control("POST", "/refund-refusals", sub_code="ACQ.TRADE_HAS_FINISHED", sub_msg="交易已完结")

    status, refused = await refund(live, "E2EREFUSE1", "E2ERF1")

    assert (status, refused["refund_status"]) == (201, "FAILED")
    assert (refused["failure_code"], refused["failure_message"]) == ("ACQ.TRADE_HAS_FINISHED", "交易已完结")
    assert (await live.api("GET", "/v1/refunds/E2ERF1")).json()["failure_code"] == "ACQ.TRADE_HAS_FINISHED"
    failed = [e for e in await live.events("E2EREFUSE1") if e["event_type"] == "refund.failed"]
    assert [(e["source"], e["detail"]["failure_code"]) for e in failed] == [("api", "ACQ.TRADE_HAS_FINISHED")]
    assert "refund.failed" in await outbox_types(live.container, "E2EREFUSE1")
    status, second = await refund(live, "E2EREFUSE1", "E2ERF2")  # the whole amount is free again
    assert (status, second["refund_status"]) == (201, "SUCCESS")
    assert (await live.payment("E2EREFUSE1"))["trade_status"] == "REFUNDED"


async def test_a_system_error_from_alipay_leaves_the_refund_processing(live: Live) -> None:
    await pay_and_hear(live, "E2EREFUSE2")
    await live.control("POST", "/refund-refusals", sub_code="ACQ.SYSTEM_ERROR", sub_msg="系统错误")

    status, answer = await refund(live, "E2EREFUSE2", "E2ERF3")

    assert (status, answer["code"]) == (502, "PROVIDER_ERROR")
    assert (await live.api("GET", "/v1/refunds/E2ERF3")).json()["refund_status"] == "PROCESSING"


async def test_a_refund_lost_on_its_way_to_alipay_stays_processing_and_the_sweep_sends_it_again(live: Live) -> None:
    await pay_and_hear(live, "E2ELOST01")
    await live.control("POST", "/faults", mode="lost", count=1, seconds=0.0)

    status, answer = await refund(live, "E2ELOST01", "E2ELR1", "30.00")

    assert (status, answer["code"]) == (502, "PROVIDER_UNAVAILABLE")  # a 504: money may have moved
    assert (await live.api("GET", "/v1/refunds/E2ELR1")).json()["refund_status"] == "PROCESSING"
    assert (await live.control("GET", "/trades/E2ELOST01"))["refunds"] == []
    assert await tick(live.container, "refund_sync") == 1  # the query finds no refund: it is sent again
    assert (await live.api("GET", "/v1/refunds/E2ELR1")).json()["refund_status"] == "SUCCESS"
    trade = await live.control("GET", "/trades/E2ELOST01")
    assert [(r["out_request_no"], r["refund_amount"]) for r in trade["refunds"]] == [("E2ELR1", "30.00")]
    assert [(e["event_type"], e["source"]) for e in await live.events("E2ELOST01")][-2:] == [
        ("refund.created", "api"), ("refund.succeeded", "worker")]


async def test_an_alipay_outage_during_a_refund_never_makes_it_failed(live: Live) -> None:
    await pay_and_hear(live, "E2EOUT001")
    await live.control("POST", "/faults", mode="http_500", count=3)

    status, _ = await refund(live, "E2EOUT001", "E2EOR1", "10.00")
    assert status == 502
    assert await tick(live.container, "refund_sync") == 1  # the query fails too: rescheduled, not failed

    refund_now = (await live.api("GET", "/v1/refunds/E2EOR1")).json()
    assert (refund_now["refund_status"], refund_now["failure_code"]) == ("PROCESSING", None)
    assert "refund.failed" not in [e["event_type"] for e in await live.events("E2EOUT001")]
