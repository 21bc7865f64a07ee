"""`paycore reconcile` as a process, against the Alipay emulator: its exit status says what is left (0 nothing
open, 1 discrepancies for an operator, 2 a bill not ready or an error), in table, JSON and CSV."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from adapters.sql.tables import payment_transaction
from tests.e2e.alipay_live import Live, live_alipay
from tests.e2e.conftest import TEST_MASTER_KEYS
from tests.e2e.test_alipay_flows import pay_and_hear, pay_unheard

BEIJING = timezone(timedelta(hours=8))
PAYCORE = str(Path(sys.executable).parent / "paycore")


async def reconcile(live: Live, *args: str) -> tuple[int, str, str]:
    """Run the CLI on the live database (this event loop keeps serving the emulator meanwhile)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")},
           "PAYCORE_DATABASE_URL": live.container.settings().database_url, "PAYCORE_MASTER_KEYS": TEST_MASTER_KEYS,
           "PAYCORE_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(PAYCORE, "reconcile", *args, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_exit_status_says_what_is_left(tmp_path: Path) -> None:
    async with live_alipay(tmp_path) as live:
        today = datetime.now(UTC).astimezone(BEIJING).date()
        await pay_and_hear(live, "E2ECLI0001", "99.90")
        await pay_unheard(live, "E2ECLI0002")

        code, out, err = await reconcile(live, "--date", today.isoformat(), "--format", "json")
        assert code == 0, err  # the unheard payment was fixed by sync
        runs = json.loads(out)
        assert sorted(r["fixed_by_sync"] for r in runs) == [0, 1]
        assert all(r["status"] == "completed" and r["open"] == 0 for r in runs)

        async with live.container.engine().begin() as conn:  # paycore's record now disagrees with Alipay's
            await conn.execute(sa.update(payment_transaction).where(
                payment_transaction.c.order_no == "E2ECLI0001").values(total_amount=Decimal("98.90")))
        code, out, err = await reconcile(live, "--date", today.isoformat())
        assert code == 1, err
        assert "amount_mismatch" in out
        assert "E2ECLI0001" in out

        code, out, _ = await reconcile(live, "--date", today.isoformat(), "--format", "csv")
        assert code == 1
        assert out.splitlines()[0].startswith("run_id,payment_type,account,status")

        code, _, err = await reconcile(live, "--date", (today - timedelta(days=5)).isoformat())
        assert code == 2
        assert "bill_not_ready" in err
        code, _, err = await reconcile(live, "--date", (today + timedelta(days=1)).isoformat())
        assert (code, "after today" in err) == (2, True)
        code, _, err = await reconcile(live, "--date", "2026-13-01")
        assert (code, "not a date" in err) == (2, True)
