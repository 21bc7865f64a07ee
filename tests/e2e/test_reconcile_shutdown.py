"""A shutdown of the serving process and the reconciliation runs the admin API started in its background: a run
that ends within the grace is waited for and ends as it would; runs still going after it (the one downloading and
the next account's, not begun) end failed, INTERRUPTED, never left `running`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import httpx

from adapters.gateways.fake import FakeGateway
from application.bills import BillRow, BillTotals
from application.reconciliations import RunRecord
from application.records import PaymentConfig
from domain.beijing import BEIJING
from domain.kinds import PaymentType
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.http.background_runs import BackgroundRuns
from tests.e2e.conftest import build_env

APPS = ("2021000000000001", "2021000000000002")


class EmptyBill:
    """A bill of a day without trades."""

    totals = BillTotals()

    def rows(self) -> Iterator[BillRow]:
        return iter(())


class HeldBills:
    """A provider whose bill downloads wait until released (a slow provider), and that says when one is asked."""

    def __init__(self) -> None:
        self.asked, self.release = asyncio.Event(), asyncio.Event()

    async def bill(self, day: date) -> EmptyBill:
        self.asked.set()
        await self.release.wait()
        return EmptyBill()


async def serving(tmp_path: Path, grace: float) -> tuple[Container, HeldBills, BackgroundRuns, str]:
    configs = tuple(PaymentConfig(0, PaymentType.ALIPAY, f"app {n}", app_id=app_id, is_default=n == 0)
                    for n, app_id in enumerate(APPS))
    held = HeldBills()  # the Alipay gateway, of which reconciliation asks only the bill
    container, _ = await build_env(tmp_path, {"alipay": cast(FakeGateway, held)}, configs=configs)
    token = (await container.api_keys().issue("ops", "admin")).token
    return container, held, BackgroundRuns(grace_seconds=grace), token


async def start_and_shut_down(container: Container, held: HeldBills, background: BackgroundRuns, token: str,
                              released: bool) -> list[int]:
    """POST a run of today for both apps, then shut the app down while the first bill is downloading (releasing
    it once the shutdown waits, if `released`); the runs' ids."""
    app = create_app(container, background=background)
    up, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:  # the app's lifespan, as an ASGI server runs it: startup, serving, shutdown
        async with app.lifespan():
            up.set()
            await stop.wait()

    server = asyncio.create_task(serve())
    try:
        await asyncio.wait_for(up.wait(), 10)
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar's own ASGI types
        async with httpx.AsyncClient(transport=transport, base_url="http://paycore.test") as api:
            today = datetime.now(UTC).astimezone(BEIJING).date()
            answer = await api.post("/v1/admin/reconciliations", json={"bill_date": today.isoformat()},
                                    headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 202, answer.text
        run_ids = [run["run_id"] for run in answer.json()["runs"]]
        await asyncio.wait_for(held.asked.wait(), 10)
        stop.set()  # shut down
        await asyncio.wait_for(background.draining.wait(), 10)
        if released:
            held.release.set()
        await asyncio.wait_for(server, 10)
    finally:
        stop.set()
        held.release.set()
        await asyncio.wait_for(server, 10)
    return run_ids


async def shut_down_while_downloading(tmp_path: Path, grace: float, released: bool) -> tuple[list[RunRecord],
                                                                                            BackgroundRuns]:
    """The runs as recorded once the app has shut down, and what was running in its background."""
    container, held, background, token = await serving(tmp_path, grace)
    try:
        run_ids = await start_and_shut_down(container, held, background, token, released)
        return [await container.reconciliations().get(run_id) for run_id in run_ids], background
    finally:
        await container.engine().dispose()


async def test_a_run_that_ends_within_the_grace_is_waited_for(tmp_path: Path) -> None:
    runs, background = await shut_down_while_downloading(tmp_path, grace=10.0, released=True)
    assert [(r.status, r.error) for r in runs] == [("completed", None)] * 2
    assert background.running == 0


async def test_runs_still_going_after_the_grace_end_failed_interrupted(tmp_path: Path) -> None:
    runs, background = await shut_down_while_downloading(tmp_path, grace=0.2, released=False)
    assert len(runs) == 2  # the one downloading, and the next app's, which never began
    assert [r.status for r in runs] == ["failed", "failed"]
    assert all(r.error and r.error.startswith("INTERRUPTED: paycore shut down") for r in runs)
    assert all(r.finished_at is not None for r in runs)
    assert background.running == 0
