"""The Payment aggregate's answers to the provider's facts about a trade: paid (once, or again by another attempt),
finished, closed; `HANDLERS` maps each kind of fact to its rule (refunds' in payment_refunds)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain import payment_refunds
from domain.attempts import Attempt, AttemptStatus, attempt_detail, duplicate_refund_no
from domain.errors import AmountMismatch
from domain.events import AnomalyKind, DomainEvent, EventType, Source
from domain.refund import Refund
from domain.status import RefundStatus, TradeStatus
from domain.updates import ProviderUpdate, UpdateKind

if TYPE_CHECKING:
    from domain.payment import Payment

TS = TradeStatus


def on_paid(payment: Payment, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
    """The payer paid an attempt: the first paid holds the money (even after a local close: an anomaly)."""
    if update.amount is not None and update.amount != payment.total_amount:
        raise AmountMismatch(str(payment.total_amount), str(update.amount))
    attempt = payment.attempt_for(update.order_no)
    if attempt is not None and attempt.status.is_paid and attempt.status is not AttemptStatus.PAID:
        return []  # a duplicate attempt heard of again
    holder = payment.holder
    if payment.status.is_paid and attempt is not None and holder is not None and attempt.seq != holder.seq:
        return on_paid_twice(payment, attempt, update, source, now)
    if payment.status.is_paid:
        return []
    events: list[DomainEvent] = []
    if payment.status is TS.TRADE_CLOSED:
        detail = {"kind": AnomalyKind.PAID_AFTER_CLOSE.value, "reason": "paid after local close",
                  "trade_no": update.trade_no}
        events.append(payment._record(EventType.PAYMENT_ANOMALY, TS.TRADE_CLOSED, None, payment.total_amount,
                                      source, now, update, detail=detail))
    if attempt is not None:
        attempt.status, attempt.paid_time = AttemptStatus.PAID, update.occurred_at or now
        attempt.trade_no = update.trade_no or attempt.trade_no
        if payment.pay_methods:
            payment._mirror(attempt)
    payment.trade_no = update.trade_no or payment.trade_no
    payment.payment_time = update.occurred_at or payment.payment_time
    payment.buyer_id = update.buyer_id or payment.buyer_id
    payment.buyer_account = update.buyer_account or payment.buyer_account
    payment.receipt_amount = update.receipt_amount or payment.total_amount
    events.append(payment._move(TS.TRADE_SUCCESS, EventType.PAYMENT_SUCCEEDED, source, now, update))
    return events


def on_paid_twice(payment: Payment, attempt: Attempt, update: ProviderUpdate, source: Source,
                  now: datetime) -> list[DomainEvent]:
    """A second attempt paid: it keeps nothing, its refund in full starts (settled like any refund)."""
    attempt.status, attempt.paid_time = AttemptStatus.DUPLICATE, update.occurred_at or now
    attempt.trade_no = update.trade_no or attempt.trade_no
    refund = Refund(duplicate_refund_no(attempt), payment.order_no, payment.total_amount, "duplicate payment",
                    RefundStatus.PROCESSING, now, out_trade_no=attempt.out_trade_no, duplicate=True)
    payment.refunds[refund.refund_no] = refund
    return [payment._record(EventType.REFUND_CREATED, None, RefundStatus.PROCESSING, refund.amount, source, now,
                            update, refund_no=refund.refund_no, detail=attempt_detail(attempt))]


def on_finished(payment: Payment, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
    """Paid, and no more refunds possible: the payment finishes if the attempt holds its money."""
    events = on_paid(payment, update, source, now)
    attempt = payment.attempt_for(update.order_no)
    holds = attempt is None or attempt.status is AttemptStatus.PAID
    if payment.status is TS.TRADE_SUCCESS and holds:
        events.append(payment._move(TS.TRADE_FINISHED, EventType.PAYMENT_FINISHED, source, now, update))
    return events


def on_closed(payment: Payment, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
    """The provider closed an attempt unpaid; a payment fixed to one method closes with it."""
    # A provider may also report a fully refunded trade as closed: refunds settle that, not this.
    attempt = payment.attempt_for(update.order_no)
    events = payment.close_attempt(attempt, source, now, update) if attempt is not None else []
    # A payer's choice closed at its provider leaves the payment open for another choice until it expires.
    if payment.status is not TS.WAIT_BUYER_PAY or payment.pay_methods:
        return events
    return [*events, payment._move(TS.TRADE_CLOSED, EventType.PAYMENT_CLOSED, source, now, update)]


def on_nothing(payment: Payment, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
    """A fact that changes nothing here."""
    return []


HANDLERS = {
    UpdateKind.WAITING: on_nothing,
    UpdateKind.REFUND_PROCESSING: on_nothing,
    UpdateKind.REFUND_NOT_FOUND: on_nothing,  # the use case sends it again; nothing changes here
    UpdateKind.PAID: on_paid,
    UpdateKind.FINISHED: on_finished,
    UpdateKind.CLOSED: on_closed,
    UpdateKind.REFUND_SUCCEEDED: payment_refunds.on_refund_succeeded,
    UpdateKind.REFUND_FAILED: payment_refunds.on_refund_failed,
}
