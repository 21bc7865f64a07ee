"""Close unpaid payments past their expire_time: at the provider first, then locally (the worker's job)."""

from __future__ import annotations

import logging
from datetime import datetime

from application.close_payment import ClosePayment
from application.deliver_webhooks import default_worker_id
from application.ports.clock import Clock
from application.ports.storage import UnitOfWorkFactory
from application.records import SweepClaim
from application.sweeping import BATCH, LEASE_SECONDS, Backoff, sweep
from domain.errors import PaymentAlreadyPaid
from domain.events import Source

log = logging.getLogger("paycore.worker")

RETRY_BACKOFF = Backoff(30.0)  # after a failed close: 30 s, 1 min, 2 min … up to an hour


class ExpirePayments:
    """One pass: lease expired unpaid payments and close each through ClosePayment (source "worker").

    If the provider says the buyer paid after all, ClosePayment applies that instead (TRADE_SUCCESS).
    If it cannot be reached, the payment stays unpaid and is tried again with backoff.
    """

    def __init__(self, uow: UnitOfWorkFactory, close: ClosePayment, clock: Clock, worker_id: str | None = None,
                 backoff: Backoff = RETRY_BACKOFF, batch: int = BATCH,
                 lease_seconds: float = LEASE_SECONDS) -> None:
        self._uow, self._close, self._clock, self._backoff = uow, close, clock, backoff
        self._worker_id = worker_id or default_worker_id()
        self._batch, self._lease_seconds = batch, lease_seconds

    async def run_once(self) -> int:
        """Close what is due; how many payments were looked at."""
        now = self._clock.now()
        async with self._uow() as uow:
            claims = await uow.sweeps.claim_expired(now, self._batch, self._lease_seconds, self._worker_id)
            await uow.commit()
        return await sweep("expire", claims, now, self._expire, self._release, self._backoff)

    async def _expire(self, claim: SweepClaim, now: datetime) -> datetime | None:
        try:
            await self._close(claim.key, Source.WORKER)
        except PaymentAlreadyPaid:
            log.info("expire.paid_before_close order_no=%s", claim.key)
        else:
            log.info("expire.closed order_no=%s", claim.key)
        return None

    async def _release(self, order_no: str, next_time: datetime, attempts: int) -> bool:
        async with self._uow() as uow:
            held = await uow.sweeps.release_payment(order_no, self._worker_id, next_time, attempts)
            await uow.commit()
        return held
