"""A refund of part or all of a payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import IllegalTransition
from domain.money import Money
from domain.status import RefundStatus, can_move_refund


@dataclass(slots=True)
class Refund:
    """One refund request; its number is the provider's out_request_no / out_refund_no."""

    refund_no: str
    order_no: str
    amount: Money
    reason: str
    status: RefundStatus
    create_time: datetime
    provider_refund_id: str | None = None
    success_time: datetime | None = None
    failure_code: str | None = None  # the provider's code when it refused the refund (FAILED)
    failure_message: str | None = None  # the provider's message with it
    out_trade_no: str | None = None  # the provider order number of the attempt refunded; None: the order_no
    duplicate: bool = False  # paycore's own refund in full of an attempt paid after another one

    def move_to(self, target: RefundStatus) -> None:
        """Change status as the refund table allows, or raise IllegalTransition."""
        if not can_move_refund(self.status, target):
            raise IllegalTransition(self.status, target, subject="refund")
        self.status = target

    @property
    def holds_money(self) -> bool:
        """Counts against what may still be refunded."""
        return self.status in (RefundStatus.PROCESSING, RefundStatus.SUCCESS)
