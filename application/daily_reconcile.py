"""The worker's daily reconciliation: at the configured Beijing time, the previous day for every enabled config
(one run per provider account, as Reconcile does), once across every worker process (the day's schedule row is
leased by one of them), retrying the accounts whose bill is not out yet every hour until the end of that Beijing
day; those still without a bill then are recorded as having none (a day without trades has no bill, ever)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from application.deliver_webhooks import default_worker_id
from application.ports.clock import Clock
from application.reconcile import RunResult
from application.reconciliations import Reconciliations
from domain.beijing import BEIJING

log = logging.getLogger("paycore.reconcile")
RETRY_EVERY = timedelta(hours=1)  # both providers publish from about 09:00; a late bill is looked for hourly


@dataclass(frozen=True, slots=True)
class ScheduledDay:
    """A bill date's schedule row as a worker leased it."""

    bill_date: date
    waiting: frozenset[str]  # `type:account` whose bill was not out at the last look; empty: every account
    attempts: int


class ReconcileSchedule(Protocol):
    """One row per bill date, shared by the worker processes."""

    async def claim(self, day: date, now: datetime, lease_seconds: float, worker_id: str) -> ScheduledDay | None:
        """Record the day as pending if it is not yet, then lease it if it is pending, due and not leased."""

    async def release(self, day: date, worker_id: str, status: str, waiting: Collection[str],
                      next_attempt: datetime, now: datetime) -> bool:
        """End the lease: pending again at next_attempt, or done, or no_bill; False if the lease was lost."""


class ReconcileDay(Protocol):
    """The reconcile use case, as the job calls it."""

    async def __call__(self, day: date, payment_type: str | None = None, config_id: int | None = None,
                       only: Collection[str] | None = None) -> list[RunResult]:
        """Reconcile the day (of the named accounts only, when given)."""


class DailyReconcile:
    """One tick of the daily job; how many runs it made."""

    def __init__(self, reconcile: ReconcileDay, schedule: ReconcileSchedule, reconciliations: Reconciliations,
                 clock: Clock, at: time, lease_seconds: float = 600.0, worker_id: str | None = None) -> None:
        self._reconcile, self._schedule, self._reconciliations = reconcile, schedule, reconciliations
        self._clock, self._at, self._lease = clock, at, lease_seconds
        self._worker_id = worker_id or default_worker_id()
        self.finished: list[RunResult] = []  # the runs of the last tick (the worker counts them)

    async def run_once(self) -> int:
        """If it is past the hour in Beijing, yesterday's bills once (and again for those not out yet)."""
        self.finished = []
        await self._reconciliations.fail_stale()
        now = self._clock.now()
        local = now.astimezone(BEIJING)
        if local.time() < self._at:
            return 0
        day = local.date() - timedelta(days=1)
        claimed = await self._schedule.claim(day, now, self._lease, self._worker_id)
        if claimed is None:
            return 0
        self.finished = await self._reconcile(day, only=claimed.waiting or None)
        waiting = sorted(f"{r.payment_type}:{r.account}" for r in self.finished if r.end.status == "bill_not_ready")
        next_look = now + RETRY_EVERY
        status = "done" if not waiting else "pending" if next_look.astimezone(BEIJING).date() == local.date() \
            else "no_bill"
        if status == "no_bill":
            log.warning("reconcile.no_bill day=%s accounts=%s: no bill by the end of the next day; not asked again",
                        day, ",".join(waiting))
        if not await self._schedule.release(day, self._worker_id, status, waiting, next_look, self._clock.now()):
            log.warning("reconcile.lease_lost day=%s: another worker took it over", day)
        return len(self.finished)
