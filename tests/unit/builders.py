"""Builders of payments and provider updates for the domain tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from domain.events import DomainEvent, EventType, Source
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.status import TradeStatus
from domain.updates import ProviderUpdate, UpdateKind

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PAID_AT = datetime(2026, 11, 24, 12, 3, 17, tzinfo=UTC)
ORDER_NO = "T20261124001"
TOTAL = Money(9990)


def new_payment(order_no: str = ORDER_NO, total: Money = TOTAL, now: datetime = T0) -> Payment:
    """An unpaid Alipay PC payment."""
    return Payment.create(
        order_no=order_no, payment_type=PaymentType.ALIPAY, pay_method=PayMethod.PC, config_id=101,
        subject="Thesis polishing",
        total_amount=total, now=now, expire_time=now + timedelta(minutes=30),
    )


def paid(order_no: str = ORDER_NO, amount: Money | None = TOTAL, event_id: str | None = "notify-1",
         kind: UpdateKind = UpdateKind.PAID, occurred_at: datetime | None = PAID_AT) -> ProviderUpdate:
    """The provider saying the buyer paid (or, with kind=FINISHED, that the trade is finished)."""
    return ProviderUpdate(kind, order_no, amount=amount, trade_no="2026112422001", occurred_at=occurred_at,
                          event_id=event_id, buyer_id="2088102177846880")


def refund_outcome(refund_no: str, amount: Money | None, succeeded: bool = True, order_no: str = ORDER_NO,
                   event_id: str | None = None) -> ProviderUpdate:
    """The provider saying a refund succeeded or failed."""
    kind = UpdateKind.REFUND_SUCCEEDED if succeeded else UpdateKind.REFUND_FAILED
    return ProviderUpdate(kind, order_no, amount=amount, refund_no=refund_no, provider_refund_id=f"P{refund_no}",
                          occurred_at=PAID_AT + timedelta(hours=1), event_id=event_id)


def payment_in(status: TradeStatus) -> Payment:
    """A payment brought to `status` through the aggregate's own methods."""
    payment = new_payment()
    if status is TradeStatus.TRADE_CLOSED:
        payment.close(Source.API, T0)
    elif status is TradeStatus.TRADE_SUCCESS:
        payment.apply(paid(), Source.NOTIFY, T0)
    elif status is TradeStatus.TRADE_FINISHED:
        payment.apply(paid(kind=UpdateKind.FINISHED), Source.NOTIFY, T0)
    elif status is TradeStatus.REFUNDED:
        payment.apply(paid(), Source.NOTIFY, T0)
        payment.request_refund("R-all", payment.total_amount, "", T0)
        payment.apply(refund_outcome("R-all", payment.total_amount), Source.NOTIFY, T0)
    assert payment.status is status
    return payment


def status_hops(events: Sequence[DomainEvent]) -> list[tuple[str, str]]:
    """The payment status changes the events record, in order."""
    return [
        (e.from_status, e.to_status) for e in events
        if e.event_type.value.startswith("payment.") and e.from_status is not None and e.to_status is not None
    ]


def event_types(events: Sequence[DomainEvent]) -> list[EventType]:
    """The events' types, in order."""
    return [e.event_type for e in events]
