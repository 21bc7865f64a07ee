"""Ask the provider about payments still unpaid a while after creation, and refunds still processing,
so that a lost notification still settles them (the worker's jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from application.deliver_webhooks import default_worker_id
from application.ports.clock import Clock
from application.ports.storage import UnitOfWorkFactory
from application.records import SweepClaim
from application.sweeping import BATCH, LEASE_SECONDS, Backoff, sweep
from application.sync_payment import SyncPayment, SyncRefund
from domain.events import Source
from domain.status import TradeStatus


class _SyncSweep:
    """The settings both sync sweeps share: storage, clock, first delay and backoff, lease and batch."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, sync_after_seconds: float, worker_id: str | None,
                 batch: int, lease_seconds: float) -> None:
        self._uow, self._clock = uow, clock
        self._after, self._backoff = timedelta(seconds=sync_after_seconds), Backoff(sync_after_seconds)
        self._worker_id = worker_id or default_worker_id()
        self._batch, self._lease_seconds = batch, lease_seconds


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
        now = self._clock.now()
        async with self._uow() as uow:
            claims = await uow.sweeps.claim_unpaid(now, now - self._after, self._batch, self._lease_seconds,
                                                   self._worker_id)
            await uow.commit()
        return await sweep("sync", claims, now, self._query, self._release, self._backoff)

    async def _query(self, claim: SweepClaim, now: datetime) -> datetime | None:
        payment = await self._sync(claim.key, Source.WORKER)
        if payment.status is not TradeStatus.WAIT_BUYER_PAY:
            return None
        return min(self._backoff.after(now, claim.attempts + 1), payment.expire_time)

    async def _release(self, order_no: str, next_time: datetime, attempts: int) -> bool:
        async with self._uow() as uow:
            held = await uow.sweeps.release_payment(order_no, self._worker_id, next_time, attempts)
            await uow.commit()
        return held


class SyncRefunds(_SyncSweep):
    """One pass: lease refunds PROCESSING `sync_after` seconds after they were asked for, and query each until
    final (source "worker"), backing off sync_after × 1, 2, 4 … up to an hour."""

    def __init__(self, uow: UnitOfWorkFactory, sync: SyncRefund, clock: Clock, sync_after_seconds: float,
                 worker_id: str | None = None, batch: int = BATCH, lease_seconds: float = LEASE_SECONDS) -> None:
        super().__init__(uow, clock, sync_after_seconds, worker_id, batch, lease_seconds)
        self._sync = sync

    async def run_once(self) -> int:
        """Query what is due; how many refunds were looked at."""
        now = self._clock.now()
        async with self._uow() as uow:
            claims = await uow.sweeps.claim_refunds(now, now - self._after, self._batch, self._lease_seconds,
                                                    self._worker_id)
            await uow.commit()
        return await sweep("refund_sync", claims, now, self._query, self._release, self._backoff)

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
