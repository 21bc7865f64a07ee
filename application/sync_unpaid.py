"""Ask the provider about payments still unpaid a while after creation, and refunds still processing, so that a
lost notification still settles them; close the attempts a payer left open once another was paid (the worker's
jobs)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from application.attempt_followups import Apply, AttemptFollowUps
from application.deliver_webhooks import default_worker_id
from application.ports.clock import Clock
from application.ports.storage import Sweeps, UnitOfWorkFactory
from application.records import SweepClaim
from application.sweeping import BATCH, LEASE_SECONDS, Backoff, Release, Work, sweep
from application.sync_payment import SyncPayment, SyncRefund
from domain.events import Source
from domain.payment import Payment
from domain.status import TradeStatus

# One of Sweeps' claims: (now, first due when created or paid before, limit, lease seconds, worker) → the leases.
Claim = Callable[[datetime, datetime, int, float, str], Awaitable[Sequence[SweepClaim]]]


class _SyncSweep:
    """What the sync sweeps share: storage, clock, first delay and backoff, lease and batch, and one pass."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, sync_after_seconds: float, worker_id: str | None,
                 batch: int, lease_seconds: float) -> None:
        self._uow, self._clock = uow, clock
        self._after, self._backoff = timedelta(seconds=sync_after_seconds), Backoff(sync_after_seconds)
        self._worker_id = worker_id or default_worker_id()
        self._batch, self._lease_seconds = batch, lease_seconds

    async def _pass(self, job: str, claim: Callable[[Sweeps], Claim], work: Work, release: Release) -> int:
        """Claim what is due (committed: the leases), then work on each claim and release it."""
        now = self._clock.now()
        async with self._uow() as uow:
            claims = await claim(uow.sweeps)(now, now - self._after, self._batch, self._lease_seconds,
                                             self._worker_id)
            await uow.commit()
        return await sweep(job, claims, now, work, release, self._backoff)

    async def _release_payment(self, order_no: str, next_time: datetime, attempts: int) -> bool:
        async with self._uow() as uow:
            held = await uow.sweeps.release_payment(order_no, self._worker_id, next_time, attempts)
            await uow.commit()
        return held


class SyncUnpaid(_SyncSweep):
    """One pass: lease payments unpaid `sync_after` seconds after creation and query each (source "worker").

    The looks back off (sync_after × 1, 2, 4 …) but never past the expire_time, where ExpirePayments
    takes over: its close at the provider is the last query, and answers PAID if the buyer paid.
    """

    def __init__(self, uow: UnitOfWorkFactory, sync: SyncPayment, clock: Clock, sync_after_seconds: float,
                 worker_id: str | None = None, batch: int = BATCH, lease_seconds: float = LEASE_SECONDS) -> None:
        super().__init__(uow, clock, sync_after_seconds, worker_id, batch, lease_seconds)
        self._sync = sync

    async def run_once(self) -> int:
        """Query what is due; how many payments were looked at."""
        return await self._pass("sync", lambda sweeps: sweeps.claim_unpaid, self._query, self._release_payment)

    async def _query(self, claim: SweepClaim, now: datetime) -> datetime | None:
        payment = await self._sync(claim.key, Source.WORKER)
        if payment.status is not TradeStatus.WAIT_BUYER_PAY:
            return None
        return min(self._backoff.after(now, claim.attempts + 1), payment.expire_time)


class SyncRefunds(_SyncSweep):
    """One pass: lease refunds PROCESSING `sync_after` seconds after they were asked for, and query each until
    final (source "worker"), backing off sync_after × 1, 2, 4 … up to an hour."""

    def __init__(self, uow: UnitOfWorkFactory, sync: SyncRefund, clock: Clock, sync_after_seconds: float,
                 worker_id: str | None = None, batch: int = BATCH, lease_seconds: float = LEASE_SECONDS) -> None:
        super().__init__(uow, clock, sync_after_seconds, worker_id, batch, lease_seconds)
        self._sync = sync

    async def run_once(self) -> int:
        """Query what is due; how many refunds were looked at."""
        return await self._pass("refund_sync", lambda sweeps: sweeps.claim_refunds, self._query, self._release)

    async def _query(self, claim: SweepClaim, now: datetime) -> datetime | None:
        payment = await self._sync(claim.key, Source.WORKER)
        if payment.refunds[claim.key].status.is_terminal:
            return None
        return self._backoff.after(now, claim.attempts + 1)

    async def _release(self, refund_no: str, next_time: datetime, attempts: int) -> bool:
        async with self._uow() as uow:
            held = await uow.sweeps.release_refund(refund_no, self._worker_id, next_time, attempts)
            await uow.commit()
        return held


class CloseOpenAttempts(_SyncSweep):
    """One pass: lease paid payments whose other attempts are still open at their providers `sync_after` seconds
    after the payment (the close right after it failed) and close them (source "worker"), backing off
    sync_after × 1, 2, 4 … up to an hour until none is open. A close answered "paid" is a duplicate, refunded."""

    def __init__(self, uow: UnitOfWorkFactory, followups: AttemptFollowUps, apply: Apply, clock: Clock,
                 sync_after_seconds: float, worker_id: str | None = None, batch: int = BATCH,
                 lease_seconds: float = LEASE_SECONDS) -> None:
        super().__init__(uow, clock, sync_after_seconds, worker_id, batch, lease_seconds)
        self._followups, self._apply = followups, apply

    async def run_once(self) -> int:
        """Close what is due; how many payments were looked at."""
        return await self._pass("attempt_close", lambda sweeps: sweeps.claim_open_attempts, self._close,
                                self._release_payment)

    async def _close(self, claim: SweepClaim, now: datetime) -> datetime | None:
        payment = await self._payment(claim.key)
        if payment is not None and payment.attempts_to_close():
            await self._followups.close_open(payment, Source.WORKER, self._apply)
            payment = await self._payment(claim.key)
        if payment is None or not payment.attempts_to_close():
            return None
        return self._backoff.after(now, claim.attempts + 1)

    async def _payment(self, order_no: str) -> Payment | None:
        async with self._uow() as uow:
            return await uow.payments.get(order_no)
