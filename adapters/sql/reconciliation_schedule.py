"""The daily reconciliation's schedule in SQL: one row per bill date, leased by one worker at a time."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables_reconciliation import reconciliation_schedule as schedule
from application.daily_reconcile import ScheduledDay

S = schedule.c


class SqlReconcileSchedule:
    """The ReconcileSchedule port on paycore_reconciliation_schedule."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, day: date, now: datetime, lease_seconds: float, worker_id: str) -> ScheduledDay | None:
        """Insert the day pending (a rival's insert wins the same), then a guarded UPDATE takes the lease."""
        try:
            async with self._engine.begin() as conn:
                if (await conn.execute(sa.select(S.bill_date).where(S.bill_date == day))).first() is None:
                    await conn.execute(schedule.insert().values(bill_date=day, status="pending", waiting="",
                                                                attempts=0, next_attempt_time=now, update_time=now))
        except IntegrityError:
            pass  # another worker recorded the day first
        async with self._engine.begin() as conn:
            taken = await conn.execute(schedule.update().where(
                S.bill_date == day, S.status == "pending", S.next_attempt_time <= now,
                sa.or_(S.leased_until.is_(None), S.leased_until < now),
            ).values(leased_until=now + timedelta(seconds=lease_seconds), lease_owner=worker_id,
                     attempts=S.attempts + 1, update_time=now))
            if not taken.rowcount:
                return None
            row = (await conn.execute(sa.select(S.waiting, S.attempts).where(S.bill_date == day))).one()
        return ScheduledDay(day, frozenset(w for w in row.waiting.split(",") if w), int(row.attempts))

    async def release(self, day: date, worker_id: str, status: str, waiting: Collection[str],
                      next_attempt: datetime, now: datetime) -> bool:
        """Pending again, done or no_bill, if this worker still holds the lease."""
        async with self._engine.begin() as conn:
            result = await conn.execute(schedule.update().where(S.bill_date == day, S.lease_owner == worker_id)
                                        .values(status=status, waiting=",".join(waiting)[:2000],
                                                next_attempt_time=next_attempt, leased_until=None, lease_owner=None,
                                                update_time=now))
        return bool(result.rowcount)
