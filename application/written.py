"""The payments a unit of work wrote: their pending events are journaled with them, and forgotten on commit."""

from __future__ import annotations

from domain.payment import Payment


class WrittenPayments:
    """Notes each payment a repository adds or saves; `committed()` clears their events once they are durable."""

    def __init__(self) -> None:
        self._payments: list[Payment] = []

    def note(self, payment: Payment) -> None:
        """Remember a payment whose pending events this unit of work is writing."""
        self._payments.append(payment)

    def committed(self) -> None:
        """The commit succeeded: the written events are in the journal, so the aggregates forget them."""
        for payment in self._payments:
            payment.collect_events()
        self._payments.clear()

    def discarded(self) -> None:
        """The unit ended without a commit: its payments keep their events, and nothing is remembered."""
        self._payments.clear()
