"""The daily reconciliation as real `paycore worker` processes: two of them on one database, the hour steered by
PAYCORE_RECONCILE_AT, the Alipay emulator (its own process) answering for yesterday's bill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.sql.tables_reconciliation import reconciliation_run, reconciliation_schedule
from domain.beijing import BEIJING
from tests.e2e.processes import APP_ID, emulator, paycore, paycore_env, prepare, until_answers
from tests.e2e.test_serve_process import free_port
from tests.e2e.wechat_live import eventually


async def rows(url: str, table: sa.Table) -> list[dict[str, Any]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(sa.select(table))).mappings()]
    finally:
        await engine.dispose()


def looked_once(found: list[dict[str, Any]]) -> bool:
    return len(found) == 1 and found[0]["attempts"] > 0 and found[0]["lease_owner"] is None


async def scrape(port: int) -> str:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"http://127.0.0.1:{port}/metrics", timeout=5)).text


async def test_two_workers_reconcile_yesterday_once_and_look_again_for_a_bill_not_out(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'paycore.db'}"
    env = paycore_env(url, PAYCORE_PUBLIC_URL="http://127.0.0.1:9", PAYCORE_RECONCILE_AT="00:00")
    async with emulator(tmp_path) as alipay:
        await prepare(env, alipay, "http://127.0.0.1:9/hooks")
        ports = free_port(), free_port()
        async with (paycore(["worker", "--metrics-port", str(ports[0])], env, tmp_path) as first,
                    paycore(["worker", "--metrics-port", str(ports[1])], env, tmp_path) as second):
            [day] = await eventually("yesterday's look recorded", lambda: rows(url, reconciliation_schedule),
                                     looked_once, seconds=30)
            for worker, port in ((first, ports[0]), (second, ports[1])):
                await until_answers(f"http://127.0.0.1:{port}/metrics", worker)
            gauge = 'paycore_reconciliation_open_discrepancies{type="missing_locally"} 0.0'
            shown = [await eventually("the open discrepancies shown", partial(scrape, port),
                                      lambda text: gauge in text, seconds=10) for port in ports]
        runs = await rows(url, reconciliation_run)
    now = datetime.now(UTC)
    yesterday = now.astimezone(BEIJING).date() - timedelta(days=1)
    assert [(r["bill_date"], r["payment_type"], r["status"]) for r in runs] == [
        (yesterday, "alipay", "bill_not_ready")]  # one run for the account, by one of the two workers
    assert "isp.bill_not_exist" in runs[0]["error"]
    assert (day["bill_date"], day["attempts"], day["waiting"]) == (yesterday, 1, f"alipay:{APP_ID}")
    again = (now + timedelta(hours=1)).astimezone(BEIJING).date() == now.astimezone(BEIJING).date()
    assert day["status"] == ("pending" if again else "no_bill")  # an hour later, unless the day is over
    counted = [t for t in shown if 'paycore_reconciliation_runs_total{provider="alipay",status="bill_not_ready"} 1.0'
               in t]
    assert len(counted) == 1
