"""An attempt left open because its close failed right after another attempt was paid is closed by the worker's
attempt-close sweep (real paycore, real emulator, every SQL backend): the payer tried Alipay's QR code, then paid
on Alipay's page, and Alipay failed the close of the QR trade."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import SQL_BACKENDS, migrated_database
from tests.e2e.alipay_live import Live, live_alipay
from tests.e2e.cashier_choice import choose
from tests.e2e.refund_outcomes import AT_ONCE, tick

ORDER = "E2ECLOSE01"


@pytest.fixture(params=SQL_BACKENDS)
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Live]:
    """paycore and the emulator served, on each SQL backend; the sweeps look at once."""
    async with live_alipay(tmp_path, await migrated_database(request.param, tmp_path), **AT_ONCE) as served:
        yield served


async def statuses(live: Live) -> list[tuple[str, str]]:
    return [(a["out_trade_no"], a["status"]) for a in (await live.payment(ORDER))["attempts"]]


async def test_an_attempt_whose_close_failed_is_closed_by_the_attempt_close_sweep(live: Live) -> None:
    response = await live.api("POST", "/v1/payments", json={
        "order_no": ORDER, "subject": "论文润色", "total_amount": "99.90", "pay_methods": ["alipay:qr", "alipay:pc"]})
    assert response.status_code == 201, response.text
    cashier_url = response.json()["cashier_url"]
    await choose(cashier_url, "alipay:qr")  # attempt 1: a pre-created trade at Alipay, under the order_no
    await choose(cashier_url, "alipay:pc")  # attempt 2: `…_2`, Alipay's page
    assert (await live.control("GET", f"/trades/{ORDER}"))["trade_status"] == "WAIT_BUYER_PAY"

    await live.control("POST", "/faults", mode="http_500", count=1, seconds=0.0)  # the next call: the close
    await live.pay_at_cashier((await live.payment(ORDER))["pay_url"])
    await live.wait_for_attempts(f"{ORDER}_2", 1)  # paycore answered the notification, after its try to close
    assert await statuses(live) == [(ORDER, "OPEN"), (f"{ORDER}_2", "PAID")]
    assert (await live.control("GET", f"/trades/{ORDER}"))["trade_status"] == "WAIT_BUYER_PAY"

    assert await tick(live.container, "attempt_close") == 1
    assert await statuses(live) == [(ORDER, "CLOSED"), (f"{ORDER}_2", "PAID")]
    assert (await live.control("GET", f"/trades/{ORDER}"))["trade_status"] == "TRADE_CLOSED"
    assert await tick(live.container, "attempt_close") == 0  # nothing open is left
    paid = await live.payment(ORDER)
    assert (paid["trade_status"], paid["pay_method"], paid["refunded_amount"]) == ("TRADE_SUCCESS", "pc", "0.00")
