"""A payment paid after its close, end to end against the Alipay emulator (SQLite, PostgreSQL): paycore closes an
order the emulator has not seen yet, then the payer pays it after all and the late notification arrives.
By default the anomaly is only made loud; with PAYCORE_REFUND_PAID_AFTER_CLOSE paycore refunds it in full."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.sql.tables import webhook_outbox
from tests.conftest import SQL_BACKENDS, migrated_database
from tests.e2e.alipay_live import Live, live_alipay

ORDER = "E2ELATE001"
JOURNAL = ["payment.created", "payment.closed", "payment.anomaly", "payment.succeeded"]


async def pay_after_close(live: Live) -> dict[str, Any]:
    """Close before the payer opened the page (the emulator does not know the order), then the payer pays."""
    created = await live.create(ORDER)
    closed = await live.api("POST", f"/v1/payments/{ORDER}/close")
    assert closed.json()["trade_status"] == "TRADE_CLOSED", closed.text
    await live.pay_at_cashier(created["pay_url"])
    return await live.wait_for_status(ORDER, "REFUNDED" if live.container.settings().refund_paid_after_close
                                      else "TRADE_SUCCESS")


async def anomalies(live: Live) -> list[dict[str, Any]]:
    """GET /v1/admin/anomalies with an admin key."""
    admin = (await live.container.api_keys().issue("ops", "admin")).token
    response = await live.http.get(f"{live.paycore_url}/v1/admin/anomalies",
                                   headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def queued(live: Live) -> list[str]:
    """The webhook types in the outbox, in order."""
    async with live.container.engine().connect() as conn:
        return list(await conn.scalars(sa.select(webhook_outbox.c.event_type).order_by(webhook_outbox.c.id)))


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_by_default_a_payment_paid_after_close_is_loud_but_not_refunded(backend: str, tmp_path: Path) -> None:
    url = await migrated_database(backend, tmp_path)
    async with live_alipay(tmp_path, url) as live:
        paid = await pay_after_close(live)

        assert paid["refunded_amount"] == "0.00"
        assert [e["event_type"] for e in await live.events(ORDER)] == JOURNAL
        assert await queued(live) == ["payment.closed", "payment.anomaly", "payment.succeeded"]
        (item,) = await anomalies(live)
        assert (item["kind"], item["trade_no"], item["auto_refund"]) == ("paid_after_close", paid["trade_no"], None)
        assert (await live.control("GET", f"/trades/{ORDER}"))["refund_fee"] in ("0.00", None, "0")


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_with_the_setting_on_paycore_refunds_a_payment_paid_after_close_at_the_emulator(
    backend: str, tmp_path: Path,
) -> None:
    url = await migrated_database(backend, tmp_path)
    async with live_alipay(tmp_path, url, refund_paid_after_close=True) as live:
        refunded = await pay_after_close(live)

        assert refunded["refunded_amount"] == "99.90"
        assert (await live.control("GET", f"/trades/{ORDER}"))["refund_fee"] == "99.90"
        events = await live.events(ORDER)
        assert [e["event_type"] for e in events] == [*JOURNAL, "refund.created", "refund.succeeded",
                                                     "payment.refunded"]
        assert {e["refund_no"] for e in events[4:6]} == {f"AUTO_{ORDER}"}
        assert await queued(live) == ["payment.closed", "payment.anomaly", "payment.succeeded", "refund.succeeded",
                                      "payment.refunded"]
        (item,) = await anomalies(live)
        assert item["auto_refund"]["refund_no"] == f"AUTO_{ORDER}"
        assert (item["auto_refund"]["refund_status"], item["auto_refund"]["refund_amount"]) == ("SUCCESS", "99.90")
