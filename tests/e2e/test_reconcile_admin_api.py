"""The reconciliation admin API end to end: paycore served over real HTTP, the Alipay emulator's bills downloaded
in the background of the serving process after a 202, runs and discrepancies read and acknowledged by an admin."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from adapters.sql.tables import payment_transaction
from adapters.sql.tables_reconciliation import reconciliation_run
from domain.beijing import BEIJING
from tests.e2e.alipay_live import APP_ID, LOST_APP_ID, Live, live_alipay
from tests.e2e.test_alipay_flows import pay_and_hear, pay_unheard


async def admin(live: Live) -> Any:
    token = (await live.container.api_keys().issue("ops-anna", "admin")).token

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await live.http.request(method, f"{live.paycore_url}{path}",
                                       headers={"Authorization": f"Bearer {token}"}, **kwargs)
    return call


async def until_ended(call: Any, run_id: int, seconds: float = 20.0) -> dict[str, Any]:
    """The run once it is no longer running (a bounded wait on the API's own answer)."""
    async with asyncio.timeout(seconds):
        while True:
            run: dict[str, Any] = (await call("GET", f"/v1/admin/reconciliations/{run_id}")).json()
            if run["status"] != "running":
                return run
            await asyncio.sleep(0.05)


async def test_an_admin_starts_a_run_reads_what_it_found_and_acknowledges_it(tmp_path: Path) -> None:
    async with live_alipay(tmp_path) as live:
        call = await admin(live)
        await pay_and_hear(live, "E2EADMREC1", "10.00")
        await pay_and_hear(live, "E2EADMREC2", "20.00")
        await pay_unheard(live, "E2EADMREC3")
        async with live.container.engine().begin() as conn:  # paycore's record disagrees with Alipay's on amount
            await conn.execute(payment_transaction.update().where(payment_transaction.c.order_no == "E2EADMREC2")
                               .values(total_amount=Decimal("19.00")))
        today = datetime.now(UTC).astimezone(BEIJING).date()

        started = await call("POST", "/v1/admin/reconciliations",
                             json={"bill_date": today.isoformat(), "payment_type": "alipay"})

        assert started.status_code == 202, started.text
        runs = started.json()["runs"]  # one per Alipay app
        assert [r["bill_date"] for r in runs] == [today.isoformat()] * 2
        assert {r["status"] for r in runs} <= {"running", "completed"}
        ended = {r["run_id"]: await until_ended(call, r["run_id"]) for r in runs}
        by_account = {await account_of(live, run_id): run for run_id, run in ended.items()}
        heard, lost = by_account[APP_ID], by_account[LOST_APP_ID]
        assert (heard["status"], heard["provider_rows"], heard["matched"], heard["local_records"]) == (
            "completed", 2, 1, 2)
        assert heard["discrepancies"] == {"amount_mismatch": 1}
        assert heard["totals"] == {"provider_amount": "30.00", "local_amount": "29.00", "refunds": "0.00",
                                   "fees": heard["totals"]["fees"], "net": heard["totals"]["net"]}
        assert lost["discrepancies"] == {"status_mismatch": 1}

        found = (await call("GET", f"/v1/admin/reconciliations/{heard['run_id']}/discrepancies")).json()["items"]
        assert [(d["type"], d["order_no"], d["provider"]["amount"], d["local"]["amount"], d["status"])
                for d in found] == [("amount_mismatch", "E2EADMREC2", "20.00", "19.00", "open")]
        assert found[0]["trade_no"] == (await live.payment("E2EADMREC2"))["trade_no"]  # Alipay's number
        fixed = (await call("GET", f"/v1/admin/reconciliations/{lost['run_id']}/discrepancies?status=resolved")).json()
        assert [(d["type"], d["resolution"]) for d in fixed["items"]] == [("status_mismatch", "fixed_by_sync")]

        acknowledged = await call("POST", f"/v1/admin/reconciliation-discrepancies/{found[0]['discrepancy_id']}"
                                  "/acknowledge", json={"note": "price changed by the shop, refunded offline"})
        assert acknowledged.status_code == 200, acknowledged.text
        body = acknowledged.json()
        assert (body["status"], body["note"], body["acknowledged_by"]) == (
            "acknowledged", "price changed by the shop, refunded offline", "ops-anna")
        assert body["acknowledged_at"]
        assert body["update_time"] == body["acknowledged_at"]
        listed = await call("GET", f"/v1/admin/reconciliations/{heard['run_id']}/discrepancies?status=open")
        assert listed.json()["items"] == []
        again = await call("POST", f"/v1/admin/reconciliation-discrepancies/{fixed['items'][0]['discrepancy_id']}"
                           "/acknowledge", json={"note": "seen"})
        assert (again.status_code, again.json()["code"]) == (409, "DISCREPANCY_NOT_OPEN")

        first = (await call("GET", f"/v1/admin/reconciliations?bill_date={today}&payment_type=alipay&limit=1")).json()
        second = (await call("GET", f"/v1/admin/reconciliations?limit=1&cursor={first['next_cursor']}")).json()
        assert [r["run_id"] for r in first["items"] + second["items"]] == sorted(ended, reverse=True)
        assert second["next_cursor"] is None
        other_day = await call("GET", f"/v1/admin/reconciliations?bill_date={today - timedelta(days=1)}")
        assert other_day.json()["items"] == []


async def account_of(live: Live, run_id: int) -> str:
    async with live.container.engine().connect() as conn:
        return str((await conn.execute(sa.select(reconciliation_run.c.account)
                                       .where(reconciliation_run.c.id == run_id))).scalar_one())


async def test_bad_dates_unknown_ids_and_a_payments_key_are_refused(tmp_path: Path) -> None:
    async with live_alipay(tmp_path) as live:
        call = await admin(live)
        tomorrow = datetime.now(UTC).astimezone(BEIJING).date() + timedelta(days=1)
        future = await call("POST", "/v1/admin/reconciliations", json={"bill_date": tomorrow.isoformat()})
        assert (future.status_code, future.json()["code"], future.json()["extra"]["field"]) == (
            400, "VALIDATION_ERROR", "bill_date")
        garbled = await call("POST", "/v1/admin/reconciliations", json={"bill_date": "2026-13-01"})
        assert (garbled.status_code, garbled.json()["code"]) == (400, "VALIDATION_ERROR")
        assert "bill_date" in garbled.text
        unknown_config = await call("POST", "/v1/admin/reconciliations",
                                    json={"bill_date": "2026-12-01", "config_id": 999999})
        assert (unknown_config.status_code, unknown_config.json()["code"]) == (404, "CONFIG_NOT_FOUND")
        for path, code in (("/v1/admin/reconciliations/999999", "RECONCILIATION_NOT_FOUND"),
                           ("/v1/admin/reconciliations/999999/discrepancies", "RECONCILIATION_NOT_FOUND")):
            answer = await call("GET", path)
            assert (answer.status_code, answer.json()["code"]) == (404, code)
        ack = await call("POST", "/v1/admin/reconciliation-discrepancies/999999/acknowledge", json={"note": "x"})
        assert (ack.status_code, ack.json()["code"]) == (404, "DISCREPANCY_NOT_FOUND")
        assert (await live.api("GET", "/v1/admin/reconciliations")).status_code == 403


async def test_a_run_a_stopped_process_left_running_ends_failed(tmp_path: Path) -> None:
    async with live_alipay(tmp_path) as live:
        call = await admin(live)
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        async with live.container.engine().begin() as conn:
            for started_at in (long_ago, datetime.now(UTC)):
                await conn.execute(reconciliation_run.insert().values(
                    bill_date=long_ago.date(), payment_type="alipay", account=APP_ID, status="running",
                    started_at=started_at))

        assert await live.container.reconciliations().fail_stale() == 1  # as `paycore serve` does at start

        runs = (await call("GET", "/v1/admin/reconciliations")).json()["items"]
        assert [r["status"] for r in runs] == ["running", "failed"]  # the recent one may still be going
        assert runs[1]["error"].startswith("INTERRUPTED")
        assert runs[1]["finished_at"]
