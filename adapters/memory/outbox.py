"""The in-memory webhook Outbox, with the SQL adapter's contract (rows are dicts in MemoryStore.outbox)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from adapters.memory.store import MemoryStore
from application.errors import DuplicateKey
from application.records import (
    SNIPPET_CHARS,
    DeliveryAttempt,
    DeliveryOutcome,
    DeliveryStatus,
    JournalEntry,
    OutboxMessage,
)
from domain.events import DomainEvent

Write = Callable[[MemoryStore], None]
Row = dict[str, Any]


def outbox_row(delivery_id: int, entry: JournalEntry) -> Row:
    """The outbox row of a webhook event, due when it happened."""
    e = entry.event
    return {
        "id": delivery_id, "event_id": entry.event_id, "order_no": e.order_no, "event_type": e.event_type.value,
        "refund_no": e.refund_no, "create_time": e.occurred_at, "status": DeliveryStatus.PENDING, "attempts": 0,
        "next_attempt_time": e.occurred_at, "url": None, "last_status_code": None, "last_error": None,
        "delivered_time": None, "leased_until": None, "lease_owner": None, "last_latency_ms": None,
    }


class MemoryOutbox:
    """Outbox over a MemoryStore. A claim takes effect at once (it is one step of the event loop, so
    concurrent claimers cannot interleave); outcomes and retries wait for commit like every write."""

    def __init__(self, store: MemoryStore, staged: list[Write]) -> None:
        self._store, self._staged = store, staged

    async def claim(self, now: datetime, limit: int, lease_seconds: float, worker_id: str) -> Sequence[OutboxMessage]:
        """Lease due messages, none behind an older pending one of its payment; a failed one holds nothing back."""
        seen: set[str] = set()
        due: list[Row] = []
        for row in sorted(self._store.outbox, key=lambda r: r["id"]):
            if row["order_no"] in seen or row["status"] is not DeliveryStatus.PENDING:
                continue
            seen.add(row["order_no"])
            free = row["leased_until"] is None or row["leased_until"] < now
            if row["status"] is DeliveryStatus.PENDING and row["next_attempt_time"] <= now and free:
                due.append(row)
        due = sorted(due, key=lambda r: (r["next_attempt_time"], r["id"]))[:limit]
        for row in due:
            row.update(leased_until=now + timedelta(seconds=lease_seconds), lease_owner=worker_id)
        return [_message(r) for r in sorted(due, key=lambda r: r["id"])]

    async def record(self, delivery_id: int, worker_id: str, outcome: DeliveryOutcome) -> bool:
        """Stage the outcome; False if this worker no longer holds the lease."""
        row = self._row(self._store, delivery_id)
        if not _held(row, worker_id):
            return False

        def write(store: MemoryStore) -> None:
            target = self._row(store, delivery_id)
            if target is None or not _held(target, worker_id):
                return
            target.update(status=outcome.status, attempts=outcome.attempts, leased_until=None, lease_owner=None,
                          last_error=outcome.error)
            if outcome.status is not DeliveryStatus.SKIPPED:
                target.update(url=outcome.url, last_status_code=outcome.status_code,
                              last_latency_ms=None if outcome.latency_seconds is None
                              else round(outcome.latency_seconds * 1000))
            if outcome.next_attempt_time is not None:
                target["next_attempt_time"] = outcome.next_attempt_time
            if outcome.status is DeliveryStatus.DELIVERED:
                target["delivered_time"] = outcome.at
            if outcome.status is not DeliveryStatus.SKIPPED:
                store.webhook_attempts.setdefault(delivery_id, []).append(_attempt(outcome))

        self._staged.append(write)
        return True

    async def get(self, delivery_id: int) -> OutboxMessage | None:
        """One message, or None."""
        row = self._row(self._store, delivery_id)
        return _message(row) if row is not None else None

    async def list(self, status: DeliveryStatus | None, limit: int,
                   before: int | None = None) -> Sequence[OutboxMessage]:
        """Newest first."""
        rows = [r for r in sorted(self._store.outbox, key=lambda r: r["id"], reverse=True)
                if (status is None or r["status"] is status) and (before is None or r["id"] < before)]
        return [_message(r) for r in rows[:limit]]

    async def retry(self, delivery_id: int, now: datetime) -> bool:
        """Stage FAILED → PENDING, due now; the attempt count goes on from where it was."""
        row = self._row(self._store, delivery_id)
        if row is None or row["status"] is not DeliveryStatus.FAILED:
            return False

        def write(store: MemoryStore) -> None:
            target = self._row(store, delivery_id)
            if target is not None and target["status"] is DeliveryStatus.FAILED:
                target.update(status=DeliveryStatus.PENDING, next_attempt_time=now, leased_until=None,
                              lease_owner=None)

        self._staged.append(write)
        return True

    async def attempts(self, delivery_id: int) -> Sequence[DeliveryAttempt]:
        """Oldest first."""
        return list(self._store.webhook_attempts.get(delivery_id, []))

    async def enqueue(self, event_id: str, event: DomainEvent) -> None:
        """Stage a message for an event that is not journaled; DuplicateKey at commit if its id is taken."""
        def write(store: MemoryStore) -> None:
            if any(r["event_id"] == event_id for r in store.outbox):
                raise DuplicateKey(f"outbox event {event_id} exists")
            store.outbox.append(outbox_row(len(store.outbox) + 1, JournalEntry(event_id, event)))

        self._staged.append(write)

    @staticmethod
    def _row(store: MemoryStore, delivery_id: int) -> Row | None:
        return next((r for r in store.outbox if r["id"] == delivery_id), None)


def _held(row: Row | None, worker_id: str) -> bool:
    return row is not None and row["status"] is DeliveryStatus.PENDING and row["lease_owner"] == worker_id


def _attempt(o: DeliveryOutcome) -> DeliveryAttempt:
    latency = None if o.latency_seconds is None else round(o.latency_seconds * 1000)
    return DeliveryAttempt(o.attempts, o.status, o.at, o.url, o.status_code, latency, o.snippet[:SNIPPET_CHARS],
                           o.error)


def _message(row: Row) -> OutboxMessage:
    return OutboxMessage(
        delivery_id=row["id"], event_id=row["event_id"], order_no=row["order_no"], event_type=row["event_type"],
        refund_no=row["refund_no"], created=row["create_time"], status=row["status"], attempts=row["attempts"],
        next_attempt_time=row["next_attempt_time"], url=row["url"], last_status_code=row["last_status_code"],
        last_error=row["last_error"], delivered_time=row["delivered_time"],
    )
