"""The daily reconciliation's schedule on every SQL backend, the clock steered: the hour waited for, one worker
per day, the accounts whose bill is not out looked at again hourly, and never again once the day has ended."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.sql.reconciliation_records import SqlReconciliationRecords
from adapters.sql.reconciliation_schedule import SqlReconcileSchedule
from adapters.sql.tables_reconciliation import reconciliation_schedule
from application.bills import RunEnd
from application.daily_reconcile import DailyReconcile
from application.reconcile import RunResult
from application.reconciliations import Reconciliations
from tests.unit.harness import FakeClock

BEIJING_NINE = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, on 2 December


class Provider:
    """Reconcile as the job sees it: the WeChat bill is out, Alipay's is not until `alipay_from`."""

    def __init__(self, clock: FakeClock, alipay_from: datetime | None) -> None:
        self.clock, self.alipay_from = clock, alipay_from
        self.asked: list[tuple[date, frozenset[str] | None]] = []

    async def __call__(self, day: date, payment_type: str | None = None, config_id: int | None = None,
                       only: Collection[str] | None = None) -> list[RunResult]:
        self.asked.append((day, frozenset(only) if only is not None else None))
        now = self.clock.now()
        ready = self.alipay_from is not None and now >= self.alipay_from
        results = [RunResult(1, "alipay", "A", RunEnd("completed" if ready else "bill_not_ready", now)),
                   RunResult(2, "wechat", "M", RunEnd("completed", now))]
        return [r for r in results if only is None or f"{r.payment_type}:{r.account}" in only]


async def state(url: str) -> tuple[str, str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(sa.select(reconciliation_schedule))).one()
            return row.status, row.waiting, row.attempts
    finally:
        await engine.dispose()


def job(url: str, clock: FakeClock, provider: Provider, worker_id: str) -> DailyReconcile:
    engine = create_async_engine(url)
    return DailyReconcile(provider, SqlReconcileSchedule(engine),
                          Reconciliations(SqlReconciliationRecords(engine), clock), clock, time(10, 0),
                          worker_id=worker_id)


async def test_the_day_waits_for_its_hour_runs_once_and_retries_a_late_bill_hourly(database_url: str) -> None:
    clock = FakeClock(BEIJING_NINE)
    provider = Provider(clock, alipay_from=BEIJING_NINE + timedelta(hours=3, minutes=30))
    one, other = job(database_url, clock, provider, "w1"), job(database_url, clock, provider, "w2")

    assert await one.run_once() == 0  # 09:00: not yet
    clock.advance(hours=1)  # 10:00
    assert (await one.run_once(), await other.run_once()) == (2, 0)  # one worker, every account
    assert provider.asked == [(date(2026, 12, 1), None)]
    assert await state(database_url) == ("pending", "alipay:A", 1)
    clock.advance(minutes=59)
    assert await other.run_once() == 0  # not due yet
    clock.advance(minutes=1)  # 11:00
    assert await other.run_once() == 1
    assert provider.asked[-1] == (date(2026, 12, 1), frozenset({"alipay:A"}))  # only the account still waiting
    clock.advance(hours=2)  # 13:00, the bill is out
    assert await one.run_once() == 1
    assert await state(database_url) == ("done", "", 3)
    clock.advance(hours=1)
    assert (await one.run_once(), await other.run_once()) == (0, 0)
    assert len(provider.asked) == 3


async def test_a_day_that_never_gets_a_bill_is_recorded_so_and_not_asked_again(database_url: str) -> None:
    clock = FakeClock(datetime(2026, 12, 2, 15, 30, tzinfo=UTC))  # 23:30 in Beijing: the last look of the day
    provider = Provider(clock, alipay_from=None)  # a day without trades: no bill, ever
    daily = job(database_url, clock, provider, "w1")

    assert await daily.run_once() == 2
    assert await state(database_url) == ("no_bill", "alipay:A", 1)
    clock.advance(minutes=20)
    assert await daily.run_once() == 0
    assert len(provider.asked) == 1
