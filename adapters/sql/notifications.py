"""The raw notification log in SQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sql.errors import storage_errors
from adapters.sql.tables import notification_log
from application.ports import NotificationRecord

N = notification_log.c


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
            await self._conn.execute(sa.insert(notification_log).values(**values))

    async def for_order(self, order_no: str) -> Sequence[NotificationRecord]:
        """Records naming the order, oldest first."""
        query = sa.select(notification_log).where(N.order_no == order_no).order_by(N.id)
        with storage_errors("reading the notification log"):
            rows = (await self._conn.execute(query)).mappings().all()
        return [NotificationRecord(r["payment_type"], r["config_id"], r["order_no"], r["outcome"], r["reason"],
                                   r["raw"], r["received_time"]) for r in rows]
