"""Rebuild a payment's ledger from its journal alone, to check the journal tells the whole story."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.events import DomainEvent, EventType
from domain.money import Money
from domain.status import RefundStatus, TradeStatus


@dataclass(slots=True)
class Ledger:
    """What the journal says: status, money in and out, and each refund's status."""

    status: TradeStatus | None = None
    total: Money = field(default_factory=Money.zero)
    refunded: Money = field(default_factory=Money.zero)
    refunds: dict[str, tuple[Money, RefundStatus]] = field(default_factory=dict)

    @property
    def paid(self) -> Money:
        """The total once the journal says paid."""
        return self.total if self.status is not None and self.status.is_paid else Money.zero()


def replay(events: Iterable[DomainEvent]) -> Ledger:
    """Fold journal events, oldest first, into a ledger."""
    ledger = Ledger()
    for event in events:
        if event.event_type is EventType.PAYMENT_CREATED and event.amount is not None:
            ledger.total = event.amount
        if event.event_type.value.startswith("payment.") and event.to_status is not None:
            ledger.status = TradeStatus(event.to_status)
        elif event.refund_no is not None and event.amount is not None and event.to_status is not None:
            ledger.refunds[event.refund_no] = (event.amount, RefundStatus(event.to_status))
            if event.event_type is EventType.REFUND_SUCCEEDED:
                ledger.refunded = ledger.refunded + event.amount
    return ledger
