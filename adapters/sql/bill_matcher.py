"""Matching a bill against paycore's records in the database: the bill's rows go into a staging table in batches,
then a few set-based queries (one per kind of disagreement) find every discrepancy, whatever the bill's size."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import payment_transaction as payments
from adapters.sql.tables import refund as refunds
from adapters.sql.tables_reconciliation import bill_staging as staging
from application.bills import BillRow, BillRowKind, Discrepancy, DiscrepancyKind, LocalTotals
from domain.beijing import BEIJING
from domain.money import yuan
from domain.status import RefundStatus, TradeStatus

BATCH = 5000  # rows per INSERT: bounded memory, few round trips
MIDNIGHT_HOLD = timedelta(minutes=5)  # a record this close to a day's edge may be counted on the other day
PAID = (TradeStatus.TRADE_SUCCESS.value, TradeStatus.TRADE_FINISHED.value, TradeStatus.REFUNDED.value)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A Beijing calendar day as [start, end) in UTC."""
    start = datetime.combine(day, time(), tzinfo=BEIJING).astimezone(UTC)
    return start, start + timedelta(days=1)


def _staged(run_id: int, row: BillRow) -> dict[str, Any]:
    return {"run_id": run_id, "kind": row.kind.value, "provider_trade_no": row.provider_trade_no[:64],
            "order_no": row.order_no[:64], "refund_no": row.refund_no[:64], "amount": yuan(row.amount),
            "fee": yuan(row.fee), "status": row.status[:20], "bill_time": row.time}


COPIED = ("run_id", "kind", "provider_trade_no", "order_no", "refund_no", "amount", "fee", "status", "bill_time")


def _copied(row: dict[str, Any]) -> tuple[Any, ...]:
    """A staged row as COPY takes it: the column's own types (naive UTC for the timestamp, as UtcDateTime stores)."""
    moment: datetime = row["bill_time"]
    return (*(row[name] for name in COPIED[:-1]), moment.astimezone(UTC).replace(tzinfo=None))


class SqlBillMatcher:
    """Stage a bill's rows, match them against the payments and refunds of some configs, clear the stage."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def stage(self, run_id: int, rows: Iterable[BillRow]) -> int:
        """Load the rows in batches, each in its own short transaction; how many."""
        count, batch = 0, []
        for row in rows:
            batch.append(_staged(run_id, row))
            if len(batch) == BATCH:
                count += await self._insert(batch)
                batch = []
        return count + (await self._insert(batch) if batch else 0)

    async def _insert(self, batch: list[dict[str, Any]]) -> int:
        async with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # COPY: no per-row statement or parameter processing
                raw = await conn.get_raw_connection()
                await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                    staging.name, columns=COPIED, records=[_copied(row) for row in batch])
            else:
                await conn.execute(staging.insert(), batch)
        return len(batch)

    async def clear(self, run_id: int) -> None:
        """Forget a run's staged rows."""
        async with self._engine.begin() as conn:
            await conn.execute(staging.delete().where(staging.c.run_id == run_id))

    async def local(self, config_ids: Sequence[int], day: date) -> LocalTotals:
        """Payments of those configs paid that day (their amount in fen) and refunds settled that day, in SQL."""
        start, end = day_bounds(day)
        p, r = payments, refunds
        fen = sa.cast(sa.func.round(sa.cast(p.c.total_amount, sa.Numeric(12, 2)) * 100), sa.BigInteger)
        paid = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(fen), 0)).where(
            p.c.config_id.in_(config_ids), p.c.payment_time >= start, p.c.payment_time < end,
            p.c.trade_status.in_(PAID))
        settled = sa.select(sa.func.count()).select_from(r.join(p, p.c.order_no == r.c.order_no)).where(
            p.c.config_id.in_(config_ids), r.c.status == RefundStatus.SUCCESS.value, r.c.success_time >= start,
            r.c.success_time < end)
        async with self._engine.connect() as conn:
            count, amount = (await conn.execute(paid)).one()
            refunded = (await conn.execute(settled)).scalar_one()
        return LocalTotals(int(count) + int(refunded), int(amount))

    async def match(self, run_id: int, config_ids: Sequence[int], day: date) -> list[Discrepancy]:
        """Every discrepancy between the staged bill of `day` and the records of those configs."""
        start, end = day_bounds(day)
        async with self._engine.connect() as conn:
            found = [*await self._bill_payments(conn, run_id, config_ids),
                     *await self._local_payments(conn, run_id, config_ids, start, end),
                     *await self._bill_refunds(conn, run_id, config_ids),
                     *await self._local_refunds(conn, run_id, config_ids, start, end)]
        return sorted(found, key=lambda d: (d.kind.value, d.order_no, d.refund_no))

    async def _bill_payments(self, conn: Any, run_id: int, config_ids: Sequence[int]) -> list[Discrepancy]:
        p = payments
        query = (sa.select(staging.c.order_no, staging.c.amount, p.c.order_no.label("local"), p.c.total_amount,
                           p.c.trade_status, staging.c.provider_trade_no)
                 .select_from(staging.outerjoin(p, sa.and_(p.c.order_no == staging.c.order_no,
                                                           p.c.config_id.in_(config_ids))))
                 .where(staging.c.run_id == run_id, staging.c.kind == BillRowKind.PAYMENT.value,
                        sa.or_(p.c.order_no.is_(None), p.c.total_amount != staging.c.amount,
                               p.c.trade_status.not_in(PAID))))
        found = []
        for row in (await conn.execute(query)).mappings():
            if row["local"] is None:
                found.append(Discrepancy(DiscrepancyKind.MISSING_LOCALLY, row["order_no"],
                                         provider_value=str(row["amount"]), trade_no=row["provider_trade_no"]))
            elif row["total_amount"] != row["amount"]:
                found.append(Discrepancy(DiscrepancyKind.AMOUNT_MISMATCH, row["order_no"],
                                         provider_value=str(row["amount"]), local_value=str(row["total_amount"]),
                                         trade_no=row["provider_trade_no"]))
            else:
                found.append(Discrepancy(DiscrepancyKind.STATUS_MISMATCH, row["order_no"], provider_value="paid",
                                         local_value=row["trade_status"], trade_no=row["provider_trade_no"]))
        return found

    async def _local_payments(self, conn: Any, run_id: int, config_ids: Sequence[int], start: datetime,
                              end: datetime) -> list[Discrepancy]:
        p = payments
        in_bill = sa.exists().where(staging.c.run_id == run_id, staging.c.kind == BillRowKind.PAYMENT.value,
                                    staging.c.order_no == p.c.order_no)
        query = sa.select(p.c.order_no, p.c.total_amount, p.c.payment_time, p.c.trade_no).where(
            p.c.config_id.in_(config_ids), p.c.payment_time >= start, p.c.payment_time < end,
            p.c.trade_status.in_(PAID), ~in_bill)
        return [Discrepancy(DiscrepancyKind.MISSING_AT_PROVIDER, row["order_no"],
                            local_value=str(row["total_amount"]), held=_near_edge(row["payment_time"], start, end),
                            trade_no=row["trade_no"] or "")
                for row in (await conn.execute(query)).mappings()]

    async def _bill_refunds(self, conn: Any, run_id: int, config_ids: Sequence[int]) -> list[Discrepancy]:
        p, r = payments, refunds
        local = sa.select(r.c.order_no, r.c.refund_no, r.c.amount, r.c.status).select_from(
            r.join(p, p.c.order_no == r.c.order_no)).where(p.c.config_id.in_(config_ids)).subquery()
        query = (sa.select(staging.c.order_no, staging.c.refund_no, staging.c.amount, local.c.refund_no.label("local"),
                           local.c.amount.label("local_amount"), local.c.status, staging.c.provider_trade_no)
                 .select_from(staging.outerjoin(local, sa.and_(local.c.order_no == staging.c.order_no,
                                                               local.c.refund_no == staging.c.refund_no)))
                 .where(staging.c.run_id == run_id, staging.c.kind == BillRowKind.REFUND.value,
                        sa.or_(local.c.refund_no.is_(None), local.c.amount != staging.c.amount,
                               local.c.status != RefundStatus.SUCCESS.value)))
        found = []
        for row in (await conn.execute(query)).mappings():
            kind: DiscrepancyKind = DiscrepancyKind.REFUND_AMOUNT_MISMATCH
            local_value: str | None = str(row["local_amount"])
            if row["local"] is None:
                kind, local_value = DiscrepancyKind.REFUND_MISSING_LOCALLY, None
            elif row["local_amount"] == row["amount"]:
                kind, local_value = DiscrepancyKind.STATUS_MISMATCH, row["status"]
            found.append(Discrepancy(kind, row["order_no"], row["refund_no"], str(row["amount"]), local_value,
                                     trade_no=row["provider_trade_no"]))
        return found

    async def _local_refunds(self, conn: Any, run_id: int, config_ids: Sequence[int], start: datetime,
                             end: datetime) -> list[Discrepancy]:
        p, r = payments, refunds
        in_bill = sa.exists().where(staging.c.run_id == run_id, staging.c.kind == BillRowKind.REFUND.value,
                                    staging.c.order_no == r.c.order_no, staging.c.refund_no == r.c.refund_no)
        query = sa.select(r.c.order_no, r.c.refund_no, r.c.amount, r.c.success_time, p.c.trade_no).select_from(
            r.join(p, p.c.order_no == r.c.order_no)).where(
            p.c.config_id.in_(config_ids), r.c.status == RefundStatus.SUCCESS.value, r.c.success_time >= start,
            r.c.success_time < end, ~in_bill)
        return [Discrepancy(DiscrepancyKind.REFUND_MISSING_AT_PROVIDER, row["order_no"], row["refund_no"],
                            local_value=str(row["amount"]), held=_near_edge(row["success_time"], start, end),
                            trade_no=row["trade_no"] or "")
                for row in (await conn.execute(query)).mappings()]


def _near_edge(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and (moment - start < MIDNIGHT_HOLD or end - moment <= MIDNIGHT_HOLD)
