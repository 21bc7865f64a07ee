"""Tell the business system, once per payment, that an unpaid payment is about to expire (payment.expiring)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from application.errors import ConcurrencyConflict, DuplicateKey
from application.ports.clock import Clock
from application.ports.storage import UnitOfWorkFactory

log = logging.getLogger("paycore.worker")

BATCH = 100
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "paycore:payment.expiring")


def reminder_event_id(order_no: str) -> str:
    """The reminder's event id, the same in every process: the outbox's unique event id is a second guard."""
    return f"evt_{uuid.uuid5(_NAMESPACE, order_no).hex}"


class RemindExpiring:
    """One pass: a payment.expiring webhook for each unpaid payment expiring within `minutes_before` minutes.

    The reminder is not a state change, so it is not journaled (the journal lists state changes only,
    API.md): the outbox row and the payment's reminder marker are written in one transaction, and the
    marker's guarded update lets only one worker write them.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, minutes_before: float, batch: int = BATCH) -> None:
        self._uow, self._clock = uow, clock
        self._before, self._batch = timedelta(minutes=minutes_before), batch

    async def run_once(self) -> int:
        """Queue the due reminders; how many were queued. A zero window turns reminders off."""
        if not self._before:
            return 0
        now = self._clock.now()
        async with self._uow() as uow:
            order_nos = await uow.sweeps.expiring(now, now + self._before, self._batch)
        return sum([await self._remind(order_no, now) for order_no in order_nos])

    async def _remind(self, order_no: str, now: datetime) -> int:
        async with self._uow() as uow:
            payment = await uow.payments.get(order_no)
            event = payment.expiry_reminder(now) if payment is not None else None
            if event is None or not await uow.sweeps.mark_reminded(order_no, now):
                return 0  # paid or closed meanwhile, or another worker reminded first
            try:
                await uow.outbox.enqueue(reminder_event_id(order_no), event)
                await uow.commit()
            except (ConcurrencyConflict, DuplicateKey):
                return 0
        log.info("reminder.queued order_no=%s expire_time=%s", order_no, event.detail["expire_time"])
        return 1
