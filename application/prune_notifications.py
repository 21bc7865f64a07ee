"""Keep the raw notification log from growing without end (the worker's retention job).

The log holds every notification as received, refused ones included; an accepted one also stays in the journal
with the state change it made, so pruning the log after `PAYCORE_NOTIFICATION_LOG_DAYS` loses no history.
"""

from __future__ import annotations

from datetime import timedelta

from application.ports.clock import Clock
from application.ports.storage import UnitOfWorkFactory

BATCH = 500  # rows per transaction, so a first run over a large log never holds one long transaction


class PruneNotificationLog:
    """One pass: delete up to a batch of records older than the retention; 0 days keeps everything."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, days: int, batch: int = BATCH) -> None:
        self._uow, self._clock, self._keep, self._batch = uow, clock, timedelta(days=days), batch

    async def run_once(self) -> int:
        """How many records were deleted (the worker runs it again at once while there are more)."""
        if not self._keep:
            return 0
        async with self._uow() as uow:
            deleted = await uow.notifications.purge(self._clock.now() - self._keep, self._batch)
            await uow.commit()
        return deleted
