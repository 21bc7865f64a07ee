"""The SQL Sweeps: the compensation jobs' schedule and leases on payment and refund rows.

A claim finds due rows and leases each with a guarded UPDATE (free lease only), so two workers
never hold one row; on PostgreSQL and MySQL the candidates are also read FOR UPDATE SKIP LOCKED,
so concurrent claimers pass each other by instead of queueing. The lease columns are outside the
payment's version: taking a lease never makes a money write conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sql.errors import storage_errors
from adapters.sql.payment_rows import refund_from_row
from adapters.sql.tables import payment_transaction, refund
from application.records import SweepClaim
from domain.refund import Refund
from domain.status import RefundStatus, TradeStatus

P, R = payment_transaction.c, refund.c
UNPAID, PROCESSING = TradeStatus.WAIT_BUYER_PAY.value, RefundStatus.PROCESSING.value


class SqlSweeps:
    """Sweeps over one connection of a unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim_expired(self, now: datetime, limit: int, lease_seconds: float,
                            worker_id: str) -> Sequence[SweepClaim]:
        """Unpaid, past expire_time, and not waiting out a backoff."""
        where = [P.trade_status == UNPAID, P.expire_time <= now,
                 sa.or_(P.next_sync_time.is_(None), P.next_sync_time <= now)]
        return await self._claim(payment_transaction, P.order_no, P.expire_time, where, now, limit,
                                 lease_seconds, worker_id)

    async def claim_unpaid(self, now: datetime, created_before: datetime, limit: int, lease_seconds: float,
                           worker_id: str) -> Sequence[SweepClaim]:
        """Unpaid, not expired (the expiry close asks the provider last), and due."""
        where = [P.trade_status == UNPAID, P.expire_time > now, _due(payment_transaction, now, created_before)]
        return await self._claim(payment_transaction, P.order_no, P.create_time, where, now, limit,
                                 lease_seconds, worker_id)

    async def claim_open_attempts(self, now: datetime, paid_before: datetime, limit: int, lease_seconds: float,
                                  worker_id: str) -> Sequence[SweepClaim]:
        """Paid with attempts still open at their providers, and due (first when paid before `paid_before`)."""
        where = [P.open_attempts > 0, _due(payment_transaction, now, paid_before, P.payment_time)]
        return await self._claim(payment_transaction, P.order_no, P.payment_time, where, now, limit,
                                 lease_seconds, worker_id)

    async def claim_refunds(self, now: datetime, created_before: datetime, limit: int, lease_seconds: float,
                            worker_id: str) -> Sequence[SweepClaim]:
        """PROCESSING and due."""
        where = [R.status == PROCESSING, _due(refund, now, created_before)]
        return await self._claim(refund, R.refund_no, R.create_time, where, now, limit, lease_seconds, worker_id)

    async def release_payment(self, order_no: str, worker_id: str, next_time: datetime, attempts: int) -> bool:
        """Unlease and reschedule, if this worker still holds the lease."""
        return await self._release(payment_transaction, P.order_no == order_no, worker_id, next_time, attempts)

    async def release_refund(self, refund_no: str, worker_id: str, next_time: datetime, attempts: int) -> bool:
        """Unlease and reschedule a refund, if this worker still holds the lease."""
        return await self._release(refund, R.refund_no == refund_no, worker_id, next_time, attempts)

    async def expiring(self, now: datetime, until: datetime, limit: int) -> Sequence[str]:
        """Unpaid, not reminded, expiring in (now, until]."""
        query = (sa.select(P.order_no)
                 .where(P.trade_status == UNPAID, P.expiry_reminded_time.is_(None), P.expire_time > now,
                        P.expire_time <= until)
                 .order_by(P.expire_time).limit(limit))
        with storage_errors("finding payments about to expire"):
            return list(await self._conn.scalars(query))

    async def mark_reminded(self, order_no: str, now: datetime) -> bool:
        """A guarded UPDATE: of two racing workers, the second waits for the first's row lock, then matches nothing."""
        update = (sa.update(payment_transaction)
                  .where(P.order_no == order_no, P.expiry_reminded_time.is_(None), P.trade_status == UNPAID)
                  .values(expiry_reminded_time=now))
        with storage_errors(f"marking the expiry reminder of {order_no}"):
            return (await self._conn.execute(update)).rowcount == 1

    async def list_refunds(self, status: RefundStatus | None, created_before: datetime | None, limit: int,
                           after: tuple[datetime, str] | None = None) -> Sequence[Refund]:
        """Oldest first by (create_time, refund_no), strictly after the cursor."""
        query = sa.select(refund).where(*_refund_filter(status, created_before))
        if after is not None:
            query = query.where(sa.or_(R.create_time > after[0],
                                       sa.and_(R.create_time == after[0], R.refund_no > after[1])))
        query = query.order_by(R.create_time, R.refund_no).limit(limit)
        with storage_errors("listing refunds"):
            return [refund_from_row(row) for row in (await self._conn.execute(query)).mappings()]

    async def count_refunds(self, status: RefundStatus, created_before: datetime) -> int:
        """A COUNT over the status and create_time index."""
        query = sa.select(sa.func.count()).select_from(refund).where(*_refund_filter(status, created_before))
        with storage_errors("counting refunds"):
            return int(await self._conn.scalar(query) or 0)

    async def unflagged_refunds(self, created_before: datetime, limit: int) -> Sequence[str]:
        """PROCESSING, old enough, attention_time NULL."""
        query = (sa.select(R.refund_no).where(*_refund_filter(RefundStatus.PROCESSING, created_before),
                                              R.attention_time.is_(None))
                 .order_by(R.create_time, R.refund_no).limit(limit))
        with storage_errors("finding refunds needing attention"):
            return list(await self._conn.scalars(query))

    async def flag_refund(self, refund_no: str, now: datetime) -> bool:
        """A guarded UPDATE, like mark_reminded: of two racing workers one sets the marker."""
        update = (sa.update(refund)
                  .where(R.refund_no == refund_no, R.attention_time.is_(None), R.status == PROCESSING)
                  .values(attention_time=now))
        with storage_errors(f"flagging refund {refund_no} for attention"):
            return (await self._conn.execute(update)).rowcount == 1

    async def _claim(self, table: sa.Table, key: sa.Column[Any], order: sa.Column[Any],
                     where: list[sa.ColumnElement[bool]], now: datetime, limit: int, lease_seconds: float,
                     worker_id: str) -> Sequence[SweepClaim]:
        free = _lease_free(table, now)
        query = sa.select(key).where(*where, free).order_by(order, key).limit(limit)
        if self._conn.dialect.name != "sqlite":
            query = query.with_for_update(skip_locked=True)
        until = now + timedelta(seconds=lease_seconds)
        claimed: list[str] = []
        with storage_errors(f"claiming {table.name} rows for a compensation job"):
            for candidate in list(await self._conn.scalars(query)):
                lease = (sa.update(table).where(key == candidate, free)
                         .values(sync_leased_until=until, sync_lease_owner=worker_id))
                if (await self._conn.execute(lease)).rowcount == 1:
                    claimed.append(candidate)
            if not claimed:
                return []
            rows = await self._conn.execute(sa.select(key, table.c.sync_attempts).where(key.in_(claimed)))
        attempts = {k: n for k, n in rows}
        return [SweepClaim(k, attempts[k]) for k in claimed]

    async def _release(self, table: sa.Table, which: sa.ColumnElement[bool], worker_id: str, next_time: datetime,
                       attempts: int) -> bool:
        update = (sa.update(table).where(which, table.c.sync_lease_owner == worker_id)
                  .values(sync_leased_until=None, sync_lease_owner=None, next_sync_time=next_time,
                          sync_attempts=attempts))
        with storage_errors(f"releasing a {table.name} lease"):
            return (await self._conn.execute(update)).rowcount == 1


def _refund_filter(status: RefundStatus | None, created_before: datetime | None) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if status is not None:
        where.append(R.status == status.value)
    if created_before is not None:
        where.append(R.create_time <= created_before)
    return where


def _lease_free(table: sa.Table, now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(table.c.sync_leased_until.is_(None), table.c.sync_leased_until < now)


def _due(table: sa.Table, now: datetime, created_before: datetime,
         since: sa.Column[Any] | None = None) -> sa.ColumnElement[bool]:
    """First due once old enough (by create_time, or `since`), then whenever the schedule says."""
    c = table.c
    start = c.create_time if since is None else since
    return sa.or_(sa.and_(c.next_sync_time.is_(None), start <= created_before), c.next_sync_time <= now)
