"""The SQL webhook Outbox: leases instead of long transactions, and each payment's messages in order (a webhook of
no payment, order_no NULL, waits for none and holds none back: NULL equals nothing)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sql.errors import storage_errors
from adapters.sql.payment_rows import outbox_values
from adapters.sql.tables import webhook_attempt, webhook_outbox
from application.records import SNIPPET_CHARS, DeliveryAttempt, DeliveryOutcome, DeliveryStatus, OutboxMessage
from domain.events import DomainEvent

W = webhook_outbox.c
A = webhook_attempt.c
PENDING, FAILED = DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value


class SqlOutbox:
    """Outbox over one connection of a unit of work."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def claim(self, now: datetime, limit: int, lease_seconds: float, worker_id: str) -> Sequence[OutboxMessage]:
        """Lease due messages, none behind an older pending one of its payment (order kept while that one
        is retried); a failed one, out of retries, holds nothing back.

        On PostgreSQL and MySQL the candidates are locked with SKIP LOCKED, so concurrent claimers
        pass each other by. Every lease is also a guarded UPDATE, which is what keeps SQLite's
        single process (and any claimer that read a stale candidate) from leasing a row twice; on
        SQLite the first UPDATE also takes the write lock, so the second look sees every rival's lease.
        """
        until = now + timedelta(seconds=lease_seconds)
        claimed: list[int] = []
        with storage_errors("claiming webhooks"):
            for _ in range(2):  # a second look when a rival leased some candidates first (SQLite)
                candidates = list(await self._conn.scalars(self._due(now, limit - len(claimed))))
                won = [i for i in candidates if await self._lease(i, now, until, worker_id)]
                claimed += won
                if len(won) == len(candidates) or len(claimed) >= limit:
                    break
            if not claimed:
                return []
            rows = await self._conn.execute(sa.select(webhook_outbox).where(W.id.in_(claimed)).order_by(W.id))
        return [_message(r) for r in rows.mappings()]

    def _due(self, now: datetime, limit: int) -> sa.Select[Any]:
        older = webhook_outbox.alias("older")
        blocked = sa.exists().where(older.c.order_no == W.order_no, older.c.id < W.id, older.c.status == PENDING)
        query = (sa.select(W.id)
                 .where(W.status == PENDING, W.next_attempt_time <= now, _lease_free(now), ~blocked)
                 .order_by(W.next_attempt_time, W.id).limit(limit))
        if self._conn.dialect.name != "sqlite":
            query = query.with_for_update(skip_locked=True)
        return query

    async def _lease(self, delivery_id: int, now: datetime, until: datetime, worker_id: str) -> bool:
        update = (sa.update(webhook_outbox)
                  .where(W.id == delivery_id, W.status == PENDING, _lease_free(now))
                  .values(leased_until=until, lease_owner=worker_id))
        return (await self._conn.execute(update)).rowcount == 1

    async def record(self, delivery_id: int, worker_id: str, outcome: DeliveryOutcome) -> bool:
        """Write the outcome and its attempt record and release the lease, if this worker still holds it."""
        values: dict[str, object] = {
            "status": outcome.status.value, "attempts": outcome.attempts, "leased_until": None,
            "lease_owner": None, "last_error": outcome.error,
        }
        if outcome.status is not DeliveryStatus.SKIPPED:
            values.update(url=outcome.url, last_status_code=outcome.status_code,
                          last_latency_ms=_ms(outcome.latency_seconds))
        if outcome.next_attempt_time is not None:
            values["next_attempt_time"] = outcome.next_attempt_time
        if outcome.status is DeliveryStatus.DELIVERED:
            values["delivered_time"] = outcome.at
        update = (sa.update(webhook_outbox)
                  .where(W.id == delivery_id, W.status == PENDING, W.lease_owner == worker_id)
                  .values(**values))
        with storage_errors(f"recording webhook delivery {delivery_id}"):
            if (await self._conn.execute(update)).rowcount != 1:
                return False
            if outcome.status is not DeliveryStatus.SKIPPED:
                await self._conn.execute(sa.insert(webhook_attempt).values(**_attempt_values(delivery_id, outcome)))
        return True

    async def attempts(self, delivery_id: int) -> Sequence[DeliveryAttempt]:
        """Oldest first."""
        query = sa.select(webhook_attempt).where(A.delivery_id == delivery_id).order_by(A.attempt)
        with storage_errors(f"reading the attempts of webhook delivery {delivery_id}"):
            rows = await self._conn.execute(query)
        return [_attempt(r) for r in rows.mappings()]

    async def get(self, delivery_id: int) -> OutboxMessage | None:
        """One message, or None."""
        with storage_errors(f"reading webhook delivery {delivery_id}"):
            row = (await self._conn.execute(sa.select(webhook_outbox).where(W.id == delivery_id))).mappings().first()
        return _message(row) if row is not None else None

    async def list(self, status: DeliveryStatus | None, limit: int,
                   before: int | None = None) -> Sequence[OutboxMessage]:
        """Newest first."""
        query = sa.select(webhook_outbox).order_by(W.id.desc()).limit(limit)
        if status is not None:
            query = query.where(W.status == status.value)
        if before is not None:
            query = query.where(W.id < before)
        with storage_errors("listing webhook deliveries"):
            rows = await self._conn.execute(query)
        return [_message(r) for r in rows.mappings()]

    async def retry(self, delivery_id: int, now: datetime) -> bool:
        """FAILED → PENDING, due now; the attempt count goes on from where it was."""
        update = (sa.update(webhook_outbox).where(W.id == delivery_id, W.status == FAILED)
                  .values(status=PENDING, next_attempt_time=now, leased_until=None, lease_owner=None))
        with storage_errors(f"retrying webhook delivery {delivery_id}"):
            return (await self._conn.execute(update)).rowcount == 1

    async def enqueue(self, event_id: str, event: DomainEvent) -> None:
        """Insert a message for an event that is not journaled; the event id is unique here too."""
        with storage_errors(f"queueing the {event.event_type.value} webhook of {event.order_no}"):
            await self._conn.execute(sa.insert(webhook_outbox).values(**outbox_values(event_id, event)))


def _lease_free(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(W.leased_until.is_(None), W.leased_until < now)


def _ms(seconds: float | None) -> int | None:
    return round(seconds * 1000) if seconds is not None else None


def _attempt_values(delivery_id: int, o: DeliveryOutcome) -> dict[str, Any]:
    return {"delivery_id": delivery_id, "attempt": o.attempts, "outcome": o.status.value, "attempt_time": o.at,
            "url": o.url, "status_code": o.status_code, "latency_ms": _ms(o.latency_seconds),
            "snippet": o.snippet[:SNIPPET_CHARS], "error": o.error}


def _attempt(row: RowMapping) -> DeliveryAttempt:
    return DeliveryAttempt(attempt=row["attempt"], outcome=DeliveryStatus(row["outcome"]), at=row["attempt_time"],
                           url=row["url"], status_code=row["status_code"], latency_ms=row["latency_ms"],
                           snippet=row["snippet"], error=row["error"])


def _message(row: RowMapping) -> OutboxMessage:
    payload = json.loads(row["payload"]) if row["payload"] else {}
    return OutboxMessage(
        delivery_id=row["id"], event_id=row["event_id"], order_no=row["order_no"], event_type=row["event_type"],
        refund_no=payload.get("refund_no"), created=row["create_time"], status=DeliveryStatus(row["status"]),
        attempts=row["attempts"], next_attempt_time=row["next_attempt_time"], url=row["url"],
        last_status_code=row["last_status_code"], last_error=row["last_error"],
        delivered_time=row["delivered_time"], api_key_id=row["api_key_id"], run_id=row["run_id"],
    )
