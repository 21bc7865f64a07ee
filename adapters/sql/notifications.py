"""The raw notification log in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sql.errors import storage_errors
from adapters.sql.sqlite_trips import deferred
from adapters.sql.tables import notification_log
from application.records import NotificationRecord

N = notification_log.c
# Built once: every notification runs it; on SQLite it travels with the COMMIT (sqlite_driver.deferred).
INSERT_RECORD = deferred(sa.insert(notification_log))


class SqlNotifications:
    """NotificationLog: append-only."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, record: NotificationRecord) -> None:
        """Append one record."""
        values = {"payment_type": record.payment_type, "config_id": record.config_id, "order_no": record.order_no,
                  "outcome": record.outcome, "reason": record.reason, "raw": record.raw,
                  "received_time": record.received_at}
        with storage_errors("logging a notification"):
            await self._conn.execute(INSERT_RECORD, values)

    async def for_order(self, order_no: str) -> Sequence[NotificationRecord]:
        """Records naming the order, oldest first."""
        query = sa.select(notification_log).where(N.order_no == order_no).order_by(N.id)
        with storage_errors("reading the notification log"):
            rows = (await self._conn.execute(query)).mappings().all()
        return [NotificationRecord(r["payment_type"], r["config_id"], r["order_no"], r["outcome"], r["reason"],
                                   r["raw"], r["received_time"]) for r in rows]

    async def purge(self, received_before: datetime, limit: int) -> int:
        """Delete the oldest records received before the moment, at most `limit` (ids first: MySQL takes no
        LIMIT in an IN subquery)."""
        oldest = sa.select(N.id).where(N.received_time < received_before).order_by(N.id).limit(limit)
        with storage_errors("pruning the notification log"):
            ids = list((await self._conn.execute(oldest)).scalars())
            if ids:
                await self._conn.execute(sa.delete(notification_log).where(N.id.in_(ids)))
        return len(ids)
