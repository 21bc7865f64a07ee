"""The in-memory Sweeps, with the SQL adapter's contract; schedules live in MemoryStore.sweeps by row key."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from adapters.memory.store import MemoryStore
from application.errors import ConcurrencyConflict
from application.records import SweepClaim
from domain.refund import Refund
from domain.status import RefundStatus, TradeStatus

Write = Callable[[MemoryStore], None]
Candidate = tuple[datetime, str, str]  # (ordering time, store key, order_no or refund_no)


def _schedule(store: MemoryStore, key: str) -> dict[str, Any]:
    return store.sweeps.setdefault(key, {"next": None, "attempts": 0, "leased_until": None, "owner": None,
                                         "reminded": None})


class MemorySweeps:
    """Sweeps over a MemoryStore. Claims and releases take effect at once (one step of the event loop, so
    claimers cannot interleave); the reminder marker waits for commit, with the outbox row it guards."""

    def __init__(self, store: MemoryStore, staged: list[Write]) -> None:
        self._store, self._staged = store, staged

    async def claim_expired(self, now: datetime, limit: int, lease_seconds: float,
                            worker_id: str) -> Sequence[SweepClaim]:
        """Unpaid, past expire_time, and not waiting out a backoff."""
        found = [(p.expire_time, f"p:{p.order_no}", p.order_no) for p in self._unpaid()
                 if p.expire_time <= now and self._due(f"p:{p.order_no}", now, None)]
        return self._lease(found, now, limit, lease_seconds, worker_id)

    async def claim_unpaid(self, now: datetime, created_before: datetime, limit: int, lease_seconds: float,
                           worker_id: str) -> Sequence[SweepClaim]:
        """Unpaid, not expired, and due."""
        found = [(p.create_time, f"p:{p.order_no}", p.order_no) for p in self._unpaid()
                 if p.expire_time > now and self._due(f"p:{p.order_no}", now, (p.create_time, created_before))]
        return self._lease(found, now, limit, lease_seconds, worker_id)

    async def claim_open_attempts(self, now: datetime, paid_before: datetime, limit: int, lease_seconds: float,
                                  worker_id: str) -> Sequence[SweepClaim]:
        """Paid with attempts still open at their providers, and due."""
        found = [(p.payment_time, f"p:{p.order_no}", p.order_no) for p in self._store.payments.values()
                 if p.payment_time is not None and p.attempts_to_close()
                 and self._due(f"p:{p.order_no}", now, (p.payment_time, paid_before))]
        return self._lease(found, now, limit, lease_seconds, worker_id)

    async def claim_refunds(self, now: datetime, created_before: datetime, limit: int, lease_seconds: float,
                            worker_id: str) -> Sequence[SweepClaim]:
        """PROCESSING and due."""
        found = [(r.create_time, f"r:{r.refund_no}", r.refund_no)
                 for p in self._store.payments.values() for r in p.refunds.values()
                 if r.status is RefundStatus.PROCESSING
                 and self._due(f"r:{r.refund_no}", now, (r.create_time, created_before))]
        return self._lease(found, now, limit, lease_seconds, worker_id)

    async def release_payment(self, order_no: str, worker_id: str, next_time: datetime, attempts: int) -> bool:
        """Unlease and reschedule, if this worker holds the lease."""
        return self._release(f"p:{order_no}", worker_id, next_time, attempts)

    async def release_refund(self, refund_no: str, worker_id: str, next_time: datetime, attempts: int) -> bool:
        """Unlease and reschedule a refund, if this worker holds the lease."""
        return self._release(f"r:{refund_no}", worker_id, next_time, attempts)

    async def expiring(self, now: datetime, until: datetime, limit: int) -> Sequence[str]:
        """Unpaid, not reminded, expiring in (now, until]."""
        found = sorted((p.expire_time, p.order_no) for p in self._unpaid() if now < p.expire_time <= until
                       and _schedule(self._store, f"p:{p.order_no}")["reminded"] is None)
        return [order_no for _, order_no in found[:limit]]

    async def mark_reminded(self, order_no: str, now: datetime) -> bool:
        """Stage the marker; at commit a rival's marker makes the whole unit conflict (nothing is applied)."""
        payment = self._store.payments.get(order_no)
        if payment is None or payment.status is not TradeStatus.WAIT_BUYER_PAY:
            return False
        if _schedule(self._store, f"p:{order_no}")["reminded"] is not None:
            return False

        def write(store: MemoryStore) -> None:
            schedule = _schedule(store, f"p:{order_no}")
            if schedule["reminded"] is not None:
                raise ConcurrencyConflict(f"the expiry reminder of {order_no} was queued concurrently")
            schedule["reminded"] = now

        self._staged.append(write)
        return True

    async def list_refunds(self, status: RefundStatus | None, created_before: datetime | None, limit: int,
                           after: tuple[datetime, str] | None = None) -> Sequence[Refund]:
        """Oldest first by (create_time, refund_no), strictly after the cursor."""
        found = sorted((r for r in self._refunds(status, created_before)
                        if after is None or (r.create_time, r.refund_no) > after),
                       key=lambda r: (r.create_time, r.refund_no))
        return [copy.deepcopy(r) for r in found[:limit]]

    async def count_refunds(self, status: RefundStatus, created_before: datetime) -> int:
        """How many match."""
        return sum(1 for _ in self._refunds(status, created_before))

    async def unflagged_refunds(self, created_before: datetime, limit: int) -> Sequence[str]:
        """PROCESSING, old enough, not flagged."""
        found = sorted((r.create_time, r.refund_no) for r in self._refunds(RefundStatus.PROCESSING, created_before)
                       if _schedule(self._store, f"r:{r.refund_no}").get("attention") is None)
        return [refund_no for _, refund_no in found[:limit]]

    async def flag_refund(self, refund_no: str, now: datetime) -> bool:
        """Stage the marker; at commit a rival's marker makes the whole unit conflict, as with reminders."""
        owner = self._store.payments.get(self._store.refund_owner.get(refund_no, ""))
        refund = owner.refunds.get(refund_no) if owner is not None else None
        if refund is None or refund.status is not RefundStatus.PROCESSING:
            return False
        if _schedule(self._store, f"r:{refund_no}").get("attention") is not None:
            return False

        def write(store: MemoryStore) -> None:
            schedule = _schedule(store, f"r:{refund_no}")
            if schedule.get("attention") is not None:
                raise ConcurrencyConflict(f"refund {refund_no} was flagged concurrently")
            schedule["attention"] = now

        self._staged.append(write)
        return True

    def _refunds(self, status: RefundStatus | None, created_before: datetime | None) -> Iterable[Refund]:
        return (r for p in self._store.payments.values() for r in p.refunds.values()
                if (status is None or r.status is status)
                and (created_before is None or r.create_time <= created_before))

    def _unpaid(self) -> Iterable[Any]:
        return (p for p in self._store.payments.values() if p.status is TradeStatus.WAIT_BUYER_PAY)

    def _due(self, key: str, now: datetime, first: tuple[datetime, datetime] | None) -> bool:
        schedule = _schedule(self._store, key)
        free = schedule["leased_until"] is None or schedule["leased_until"] < now
        if schedule["next"] is None:
            return free and (first is None or first[0] <= first[1])
        return free and bool(schedule["next"] <= now)

    def _lease(self, found: list[Candidate], now: datetime, limit: int, lease_seconds: float,
               worker_id: str) -> Sequence[SweepClaim]:
        claims = []
        for _, key, name in sorted(found)[:limit]:
            schedule = _schedule(self._store, key)
            schedule.update(leased_until=now + timedelta(seconds=lease_seconds), owner=worker_id)
            claims.append(SweepClaim(name, schedule["attempts"]))
        return claims

    def _release(self, key: str, worker_id: str, next_time: datetime, attempts: int) -> bool:
        schedule = _schedule(self._store, key)
        if schedule["owner"] != worker_id:
            return False
        schedule.update(leased_until=None, owner=None, next=next_time, attempts=attempts)
        return True
