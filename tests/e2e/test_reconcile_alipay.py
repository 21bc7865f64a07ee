"""Reconciliation end to end against the Alipay emulator: each account's real bill ZIP downloaded through the
official SDK, streamed, staged and matched in the database, the run and its discrepancies recorded. The config
whose notifications are lost is a second Alipay app: its paid, unheard payment is a status_mismatch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.sql.tables_reconciliation import bill_staging, reconciliation_discrepancy, reconciliation_run
from application.bills import DiscrepancyKind
from application.errors import InvalidBillDate
from domain.beijing import BEIJING
from tests.e2e.alipay_live import APP_ID, LOST_APP_ID, SQLITE_AND_POSTGRES, Live, live_alipay_on
from tests.e2e.test_alipay_flows import pay_and_hear, pay_unheard


async def table(live: Live, which: sa.Table) -> list[dict[str, object]]:
    async with live.container.engine().connect() as conn:
        return [dict(r) for r in (await conn.execute(sa.select(which).order_by(which.c.id))).mappings()]


@pytest.mark.parametrize("backend", SQLITE_AND_POSTGRES)
async def test_each_account_is_reconciled_once_and_an_unheard_payment_is_found(backend: str, tmp_path: Path) -> None:
    async with live_alipay_on(backend, tmp_path) as live:
        await pay_and_hear(live, "E2ERECON01", "99.90")
        refund = await live.api("POST", "/v1/payments/E2ERECON01/refunds",
                                json={"refund_no": "E2ERECONR1", "refund_amount": "30.00"})
        assert refund.status_code == 201, refund.text
        await pay_and_hear(live, "E2ERECON02", "0.01")
        await pay_unheard(live, "E2ERECON03")
        today = datetime.now(UTC).astimezone(BEIJING).date()

        results = await live.container.reconcile()(today, "alipay")

        by_account = {r.account: r for r in results}
        assert set(by_account) == {APP_ID, LOST_APP_ID}  # one run per Alipay app, each bill downloaded once
        heard, lost = by_account[APP_ID], by_account[LOST_APP_ID]
        assert (heard.end.status, heard.found, heard.end.bill_rows) == ("completed", (), 3)
        assert heard.end.totals is not None
        assert (heard.end.totals.payments, heard.end.totals.payment_amount, heard.end.totals.refunds,
                heard.end.totals.refund_amount) == (2, 9991, 1, 3000)
        assert [(d.kind, d.order_no, d.local_value, d.resolution) for d in lost.found] == [
            (DiscrepancyKind.STATUS_MISMATCH, "E2ERECON03", "WAIT_BUYER_PAY", "fixed_by_sync")]
        assert lost.open == 0
        assert (await live.payment("E2ERECON03"))["trade_status"] == "TRADE_SUCCESS"  # asked of Alipay, applied
        assert [e["source"] for e in await live.events("E2ERECON03")][-1] == "sync"
        runs = await table(live, reconciliation_run)
        assert [(r["account"], r["status"], r["discrepancies"]) for r in runs] == [
            (a, "completed", len(by_account[a].found)) for a in (r.account for r in results)]
        recorded = await table(live, reconciliation_discrepancy)
        assert [(d["kind"], d["order_no"], d["status"]) for d in recorded] == [
            ("status_mismatch", "E2ERECON03", "resolved")]
        assert await table(live, bill_staging) == []  # the stage is cleared after each run


async def test_a_day_without_a_bill_is_not_ready_and_a_future_day_is_refused(tmp_path: Path) -> None:
    async with live_alipay_on("sqlite", tmp_path) as live:
        today = datetime.now(UTC).astimezone(BEIJING).date()
        results = await live.container.reconcile()(today - timedelta(days=3), "alipay")
        assert {r.end.status for r in results} == {"bill_not_ready"}
        assert all("isp.bill_not_exist" in (r.end.error or "") for r in results)
        with pytest.raises(InvalidBillDate):
            await live.container.reconcile()(today + timedelta(days=1))


async def test_a_provider_that_fails_ends_that_run_failed_and_the_other_accounts_go_on(tmp_path: Path) -> None:
    async with live_alipay_on("sqlite", tmp_path) as live:
        await pay_and_hear(live, "E2ERECON11", "10.00")
        await pay_unheard(live, "E2ERECON12")
        today = datetime.now(UTC).astimezone(BEIJING).date()
        await live.control("POST", "/faults", mode="http_500", count=1)  # the first account's bill query fails

        results = await live.container.reconcile()(today, "alipay")

        assert sorted(r.end.status for r in results) == ["completed", "failed"]
        failed = next(r for r in results if r.end.status == "failed")
        assert "PROVIDER" in (failed.end.error or "")
        runs = await table(live, reconciliation_run)
        assert sorted(str(r["status"]) for r in runs) == ["completed", "failed"]  # no run is left "running"
