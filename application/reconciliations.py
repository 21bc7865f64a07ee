"""Reconciliation runs for operators (the admin API): list and read runs and their discrepancies, acknowledge a
discrepancy with a note (who and when recorded), and end runs that a stopped process left running."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, Protocol, TypeVar

from application.errors import (
    DiscrepancyNotFound,
    DiscrepancyNotOpen,
    ReconciliationNotFound,
)
from application.ports.clock import Clock
from application.queries import MAX_LIMIT
from application.webhook_deliveries import decode_cursor, encode_cursor

T = TypeVar("T")
STALE_AFTER = timedelta(minutes=15)  # far past a run's longest (a million rows in ~10 s, provider timeouts ~10 s)
INTERRUPTED = "INTERRUPTED: the process running it stopped before it ended; reconcile the date again"
SHUT_DOWN = "INTERRUPTED: paycore shut down before the run ended; reconcile the date again"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run as recorded; money in fen."""

    run_id: int
    bill_date: date
    payment_type: str
    account: str
    config_id: int | None
    status: str
    bill_rows: int
    local_records: int
    matched: int
    discrepancies: dict[str, int]  # reported ones (held ones are not) by type
    payment_amount: int
    local_amount: int
    refund_amount: int
    fees: int
    started_at: datetime
    finished_at: datetime | None
    error: str | None


@dataclass(frozen=True, slots=True)
class DiscrepancyRecord:
    """A discrepancy as recorded: the bill's value and paycore's (an amount in yuan, or a status)."""

    discrepancy_id: int
    run_id: int
    kind: str
    order_no: str
    refund_no: str
    provider_value: str | None
    local_value: str | None
    status: str  # open, resolved, acknowledged (held ones are not shown)
    resolution: str | None
    note: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    create_time: datetime
    trade_no: str | None = None
    provider_time: datetime | None = None  # the bill's time of the row
    local_time: datetime | None = None  # paycore's paid or refund-settled time


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Which runs to list."""

    bill_date: date | None = None
    payment_type: str | None = None
    config_id: int | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Items newest first and the cursor of the next page (None at the end)."""

    items: Sequence[T]
    next_cursor: str | None


class ReconciliationRecords(Protocol):
    """Reading and annotating the recorded runs."""

    async def runs(self, where: RunFilter, limit: int, before: int | None) -> Sequence[RunRecord]:
        """Runs newest first, ids below `before`."""

    async def run(self, run_id: int) -> RunRecord | None:
        """One run."""

    async def discrepancies(self, run_id: int, kind: str | None, status: str | None, limit: int,
                            after: int | None) -> Sequence[DiscrepancyRecord]:
        """A run's reported discrepancies in id order, ids above `after`."""

    async def discrepancy(self, discrepancy_id: int) -> DiscrepancyRecord | None:
        """One reported discrepancy."""

    async def acknowledge(self, discrepancy_id: int, note: str, by: str, at: datetime) -> bool:
        """Mark an open or acknowledged discrepancy acknowledged; False if it is neither."""

    async def fail_stale(self, started_before: datetime, at: datetime, error: str) -> int:
        """End as failed the runs still running that started before then; how many."""

    async def fail_running(self, run_ids: Sequence[int], at: datetime, error: str) -> int:
        """End as failed those of the runs still running; how many."""

    async def open_counts(self) -> dict[str, int]:
        """Open discrepancies of every run, by type."""


def _after(cursor: str | None) -> int | None:
    return decode_cursor(cursor, "r") if cursor is not None else None


class Reconciliations:
    """The admin view of reconciliation."""

    def __init__(self, records: ReconciliationRecords, clock: Clock) -> None:
        self._records, self._clock = records, clock

    async def list(self, where: RunFilter, limit: int = 50, cursor: str | None = None) -> Page[RunRecord]:
        """A page of runs, newest first."""
        limit = min(max(limit, 1), MAX_LIMIT)
        found = await self._records.runs(where, limit + 1, _after(cursor))
        more = len(found) > limit
        return Page(found[:limit], encode_cursor(found[limit - 1].run_id, "r") if more else None)

    async def get(self, run_id: int) -> RunRecord:
        """One run; ReconciliationNotFound."""
        run = await self._records.run(run_id)
        if run is None:
            raise ReconciliationNotFound(f"no reconciliation run {run_id}", run_id=run_id)
        return run

    async def discrepancies(self, run_id: int, kind: str | None = None, status: str | None = None, limit: int = 50,
                            cursor: str | None = None) -> Page[DiscrepancyRecord]:
        """A page of a run's discrepancies (of one type, one status), in the order found."""
        await self.get(run_id)
        limit = min(max(limit, 1), MAX_LIMIT)
        found = await self._records.discrepancies(run_id, kind, status, limit + 1, _after(cursor))
        more = len(found) > limit
        return Page(found[:limit], encode_cursor(found[limit - 1].discrepancy_id, "r") if more else None)

    async def acknowledge(self, discrepancy_id: int, note: str, by: str) -> DiscrepancyRecord:
        """An operator has seen it: acknowledged with a note, by whom and when (again: the note replaced)."""
        if await self._records.discrepancy(discrepancy_id) is None:
            raise DiscrepancyNotFound(f"no reconciliation discrepancy {discrepancy_id}",
                                      discrepancy_id=discrepancy_id)
        if not await self._records.acknowledge(discrepancy_id, note, by, self._clock.now()):
            raise DiscrepancyNotOpen(f"discrepancy {discrepancy_id} is resolved: there is nothing to acknowledge",
                                     discrepancy_id=discrepancy_id)
        found = await self._records.discrepancy(discrepancy_id)
        assert found is not None
        return found

    async def open_counts(self) -> dict[str, int]:
        """Open discrepancies of every run, by type (the metrics)."""
        return await self._records.open_counts()

    async def fail_stale(self) -> int:
        """End as failed every run left running past STALE_AFTER (its process stopped); how many."""
        now = self._clock.now()
        return await self._records.fail_stale(now - STALE_AFTER, now, INTERRUPTED)

    async def interrupt(self, run_ids: Sequence[int]) -> int:
        """End as failed those of the runs still running (this process is shutting down); how many."""
        return await self._records.fail_running(run_ids, self._clock.now(), SHUT_DOWN)
