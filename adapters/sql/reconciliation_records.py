"""Reading and annotating recorded reconciliation runs in SQL (the admin API's side of the tables)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables_reconciliation import reconciliation_discrepancy as discrepancies
from adapters.sql.tables_reconciliation import reconciliation_run as runs
from application.reconciliations import DiscrepancyRecord, RunFilter, RunRecord

REPORTED = discrepancies.c.status != "held"  # held ones wait for the neighbouring day's bill


def _fen(value: Any) -> int:
    return int(Decimal(str(value)).scaleb(2))


def _run(row: Any, counts: dict[str, int]) -> RunRecord:
    return RunRecord(
        run_id=row["id"], bill_date=row["bill_date"], payment_type=row["payment_type"], account=row["account"],
        config_id=row["config_id"], status=row["status"], bill_rows=row["bill_rows"],
        local_records=row["local_records"], matched=row["matched"], discrepancies=counts,
        payment_amount=_fen(row["payment_amount"]), local_amount=_fen(row["local_amount"]),
        refund_amount=_fen(row["refund_amount"]), fees=_fen(row["fees"]), started_at=row["started_at"],
        finished_at=row["finished_at"], error=row["error"])


def _discrepancy(row: Any) -> DiscrepancyRecord:
    return DiscrepancyRecord(
        discrepancy_id=row["id"], run_id=row["run_id"], kind=row["kind"], order_no=row["order_no"],
        refund_no=row["refund_no"], provider_value=row["provider_value"], local_value=row["local_value"],
        status=row["status"], resolution=row["resolution"], note=row["note"],
        acknowledged_by=row["acknowledged_by"], acknowledged_at=row["acknowledged_at"],
        create_time=row["create_time"], trade_no=row["trade_no"],
        provider_time=row["provider_time"], local_time=row["local_time"])


class SqlReconciliationRecords:
    """The ReconciliationRecords port on the reconciliation tables."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def runs(self, where: RunFilter, limit: int, before: int | None) -> Sequence[RunRecord]:
        """Runs newest first, ids below `before`, with their reported discrepancies counted by type."""
        query = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(runs.c.id < before)
        for column, value in (("bill_date", where.bill_date), ("payment_type", where.payment_type),
                              ("config_id", where.config_id)):
            if value is not None:
                query = query.where(runs.c[column] == value)
        async with self._engine.connect() as conn:
            rows = list((await conn.execute(query)).mappings())
            counts = await self._counts(conn, [r["id"] for r in rows])
        return [_run(r, counts.get(r["id"], {})) for r in rows]

    async def run(self, run_id: int) -> RunRecord | None:
        """One run."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(runs).where(runs.c.id == run_id))).mappings().first()
            return _run(row, (await self._counts(conn, [run_id])).get(run_id, {})) if row else None

    @staticmethod
    async def _counts(conn: Any, run_ids: list[int]) -> dict[int, dict[str, int]]:
        if not run_ids:
            return {}
        d = discrepancies
        query = (sa.select(d.c.run_id, d.c.kind, sa.func.count()).where(d.c.run_id.in_(run_ids), REPORTED)
                 .group_by(d.c.run_id, d.c.kind).order_by(d.c.run_id, d.c.kind))
        counts: dict[int, dict[str, int]] = {}
        for run_id, kind, count in await conn.execute(query):
            counts.setdefault(run_id, {})[kind] = int(count)
        return counts

    async def discrepancies(self, run_id: int, kind: str | None, status: str | None, limit: int,
                            after: int | None) -> Sequence[DiscrepancyRecord]:
        """A run's reported discrepancies in id order."""
        d = discrepancies
        query = sa.select(d).where(d.c.run_id == run_id, REPORTED).order_by(d.c.id).limit(limit)
        if after is not None:
            query = query.where(d.c.id > after)
        if kind is not None:
            query = query.where(d.c.kind == kind)
        if status is not None:
            query = query.where(d.c.status == status)
        async with self._engine.connect() as conn:
            return [_discrepancy(r) for r in (await conn.execute(query)).mappings()]

    async def discrepancy(self, discrepancy_id: int) -> DiscrepancyRecord | None:
        """One reported discrepancy."""
        d = discrepancies
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(d).where(d.c.id == discrepancy_id, REPORTED))).mappings().first()
        return _discrepancy(row) if row else None

    async def acknowledge(self, discrepancy_id: int, note: str, by: str, at: datetime) -> bool:
        """Open or acknowledged → acknowledged with the note, who and when (a guarded UPDATE)."""
        d = discrepancies
        async with self._engine.begin() as conn:
            result = await conn.execute(d.update().where(d.c.id == discrepancy_id,
                                                         d.c.status.in_(("open", "acknowledged")))
                                        .values(status="acknowledged", note=note[:500], acknowledged_by=by[:64],
                                                acknowledged_at=at))
        return bool(result.rowcount)

    async def fail_stale(self, started_before: datetime, at: datetime, error: str) -> int:
        """Running runs started before then → failed."""
        async with self._engine.begin() as conn:
            result = await conn.execute(runs.update().where(runs.c.status == "running",
                                                            runs.c.started_at < started_before)
                                        .values(status="failed", finished_at=at, error=error[:500]))
        return int(result.rowcount)

    async def fail_running(self, run_ids: Sequence[int], at: datetime, error: str) -> int:
        """Those of the runs still running → failed (a guarded UPDATE: one that ended keeps its end)."""
        if not run_ids:
            return 0
        async with self._engine.begin() as conn:
            result = await conn.execute(runs.update().where(runs.c.status == "running", runs.c.id.in_(run_ids))
                                        .values(status="failed", finished_at=at, error=error[:500]))
        return int(result.rowcount)

    async def open_counts(self) -> dict[str, int]:
        """Open discrepancies by type (the status index)."""
        d = discrepancies
        query = sa.select(d.c.kind, sa.func.count()).where(d.c.status == "open").group_by(d.c.kind)
        async with self._engine.connect() as conn:
            return {kind: int(count) for kind, count in await conn.execute(query)}
