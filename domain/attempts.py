"""A payment's attempts: each time the payer picks a method, one trade at one provider.

A payment the business fixed to one method has one attempt, whose provider order number is the order_no itself
(as before attempts existed). A payment whose payer chooses on the cashier page gets an attempt per method tried:
attempt n > 1 is known to its provider as `{order_no}_{n}` (shortened so it fits the providers' 32 characters).
At most one attempt holds the money (the first paid); one paid after it is a DUPLICATE and paycore refunds it in
full by itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.checkout import Checkout
from domain.kinds import PaymentType, PayMethod

MAX_ATTEMPTS = 20  # a payer trying more methods than this is not a payer
OUT_TRADE_NO_MAX = 32  # both providers' merchant order numbers (out_trade_no) stop at 32 characters


class AttemptStatus(StrEnum):
    """Where one attempt's trade stands at its provider."""

    OPEN = "OPEN"  # created at the provider, not paid (yet)
    PAID = "PAID"  # paid: this attempt holds the payment's money
    CLOSED = "CLOSED"  # closed at the provider unpaid (or given up for another attempt)
    DUPLICATE = "DUPLICATE"  # paid after another attempt was: its refund in full is under way
    DUPLICATE_REFUNDED = "DUPLICATE_REFUNDED"  # and that refund succeeded

    @property
    def is_paid(self) -> bool:
        """The payer's money was taken by this attempt's trade (whether kept or given back)."""
        return self in (AttemptStatus.PAID, AttemptStatus.DUPLICATE, AttemptStatus.DUPLICATE_REFUNDED)


@dataclass(slots=True)
class Attempt:
    """One trade at one provider for one payment."""

    seq: int
    payment_type: PaymentType
    pay_method: PayMethod
    config_id: int | None
    out_trade_no: str
    created_at: datetime
    status: AttemptStatus = AttemptStatus.OPEN
    trade_no: str | None = None
    paid_time: datetime | None = None
    checkout: Checkout = field(default_factory=Checkout)

    @property
    def method(self) -> str:
        """The attempt's method as the API spells a choice: `{payment_type}:{pay_method}`."""
        return method_name(self.payment_type, self.pay_method)


def method_name(payment_type: PaymentType, pay_method: PayMethod) -> str:
    """`{payment_type}:{pay_method}`: a provider and one of its methods, as `pay_methods` lists them."""
    return f"{payment_type.value}:{pay_method.value}"


def out_trade_no(order_no: str, seq: int) -> str:
    """The provider's order number of attempt `seq`: the order_no itself for the first, else `{order_no}_{seq}`.

    An order_no too long for that keeps its first 18 characters and adds 10 hex digits of its SHA-256, so two
    long order numbers sharing a prefix still get different provider numbers.
    """
    if seq == 1:
        return order_no
    plain = f"{order_no}_{seq}"
    if len(plain) <= OUT_TRADE_NO_MAX:
        return plain
    digest = hashlib.sha256(order_no.encode()).hexdigest()[:10]
    return f"{order_no[:18]}_{digest}_{seq}"


def duplicate_refund_no(attempt: Attempt) -> str:
    """The refund number paycore gives the refund in full of a duplicate attempt (stable: one per attempt)."""
    return f"DUP_{attempt.out_trade_no}"
