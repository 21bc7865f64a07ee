"""Read-only use cases: a payment, a list of payments, a journal, refunds."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from application.errors import InvalidCursor, PaymentNotFound, RefundNotFound
from application.ports.storage import UnitOfWorkFactory
from application.records import JournalEntry, PageRequest, PaymentFilter
from domain.payment import Payment
from domain.refund import Refund

MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class PaymentPage:
    """Payments and the cursor of the next page (None at the end)."""

    items: Sequence[Payment]
    next_cursor: str | None


def encode_cursor(payment: Payment) -> str:
    """An opaque cursor pointing after this payment."""
    raw = json.dumps([payment.create_time.isoformat(), payment.order_no]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor points after; InvalidCursor if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, order_no = json.loads(raw)
        at = datetime.fromisoformat(when)
        if at.tzinfo is None:  # ours always carry an offset; a naive time cannot be compared with them
            raise ValueError("cursor time without an offset")
        return at, str(order_no)
    except (binascii.Error, ValueError, TypeError) as e:
        raise InvalidCursor from e


class PaymentQueries:
    """Reads of payments and their journal and refunds."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def get(self, order_no: str) -> Payment:
        """The payment; PaymentNotFound if there is none."""
        async with self._uow() as uow:
            payment = await uow.payments.get(order_no)
        if payment is None:
            raise PaymentNotFound(f"no payment with order_no {order_no}", order_no=order_no)
        return payment

    async def list(self, filters: PaymentFilter, limit: int = 50, cursor: str | None = None) -> PaymentPage:
        """A page of payments, newest first."""
        after = decode_cursor(cursor) if cursor else None
        async with self._uow() as uow:
            page = await uow.payments.list(filters, PageRequest(min(max(limit, 1), MAX_LIMIT), after))
        next_cursor = encode_cursor(page.items[-1]) if page.has_more and page.items else None
        return PaymentPage(page.items, next_cursor)

    async def events(self, order_no: str) -> Sequence[JournalEntry]:
        """The payment's journal, oldest first."""
        async with self._uow() as uow:
            if await uow.payments.get(order_no) is None:
                raise PaymentNotFound(f"no payment with order_no {order_no}", order_no=order_no)
            return await uow.payments.events(order_no)

    async def refunds(self, order_no: str) -> Sequence[Refund]:
        """The payment's refunds, oldest first."""
        payment = await self.get(order_no)
        return sorted(payment.refunds.values(), key=lambda r: (r.create_time, r.refund_no))

    async def refund(self, refund_no: str) -> tuple[Payment, Refund]:
        """A refund with its payment; RefundNotFound if there is none."""
        async with self._uow() as uow:
            payment = await uow.payments.get_by_refund_no(refund_no)
        if payment is None:
            raise RefundNotFound(f"no refund with refund_no {refund_no}", refund_no=refund_no)
        return payment, payment.refunds[refund_no]
