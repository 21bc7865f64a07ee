"""`paycore reconcile` as a process, against the Alipay emulator: its exit status says what is left (0 nothing
open, 1 discrepancies for an operator, 2 a bill not ready or an error), in table, JSON and CSV."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from adapters.sql.tables import payment_transaction
from domain.beijing import BEIJING
from tests.e2e.alipay_live import APP_ID, LOST_APP_ID, Live, live_alipay
from tests.e2e.conftest import TEST_MASTER_KEYS
from tests.e2e.test_alipay_flows import pay_and_hear, pay_unheard

PAYCORE = str(Path(sys.executable).parent / "paycore")


def cli_env(live: Live) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PAYCORE_")},
            "PAYCORE_DATABASE_URL": live.container.settings().database_url, "PAYCORE_MASTER_KEYS": TEST_MASTER_KEYS,
            "PAYCORE_LOG_LEVEL": "WARNING"}


async def reconcile(live: Live, *args: str) -> tuple[int, str, str]:
    """Run the CLI on the live database (this event loop keeps serving the emulator meanwhile)."""
    env = cli_env(live)
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


async def on_a_terminal(live: Live, *args: str) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal for stdout and stderr; its exit status and all it showed."""
    master, child = pty.openpty()
    process = await asyncio.create_subprocess_exec(PAYCORE, "reconcile", *args, env=cli_env(live), stdout=child,
                                                   stderr=child)
    os.close(child)
    shown: list[bytes] = []

    def drain() -> None:  # until every writer has closed the terminal (EIO)
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            shown.append(data)

    try:
        _, code = await asyncio.wait_for(asyncio.gather(asyncio.to_thread(drain), process.wait()), timeout=60)
    finally:
        os.close(master)
    return code, b"".join(shown).decode(errors="replace")


async def test_a_terminal_shows_a_progress_bar_per_account_and_a_pipe_does_not(tmp_path: Path) -> None:
    async with live_alipay(tmp_path) as live:
        today = datetime.now(UTC).astimezone(BEIJING).date()
        await pay_and_hear(live, "E2ECLI0011", "9.90")

        code, shown = await on_a_terminal(live, "--date", today.isoformat(), "--payment-type", "alipay")
        assert code == 2, shown  # the second app had no trade today: no bill
        assert f"alipay {APP_ID}: downloading the bill" in shown
        assert f"alipay {APP_ID}: matched" in shown
        assert f"alipay {LOST_APP_ID}: downloading the bill" in shown
        assert "PAYMENT_TYPE" in shown  # the summary table as well

        code, out, err = await reconcile(live, "--date", today.isoformat(), "--format", "json")
        assert code == 2, err
        assert json.loads(out)  # the whole of stdout is the report
        assert "matched" not in err
