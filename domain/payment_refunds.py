"""The Payment aggregate's refund rules: starting a refund and settling it from the provider's answer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain.attempts import AttemptStatus
from domain.errors import (
    AmountMismatch,
    IllegalTransition,
    InvalidAmount,
    PaymentNotPaid,
    RefundExceedsPaid,
    RefundNoConflict,
    UnknownRefund,
)
from domain.events import DomainEvent, EventType, Source
from domain.money import Money
from domain.refund import Refund
from domain.status import RefundStatus, TradeStatus
from domain.updates import ProviderUpdate

if TYPE_CHECKING:
    from domain.payment import Payment

TS = TradeStatus


def request_refund(payment: Payment, refund_no: str, amount: Money, reason: str, now: datetime,
                   source: Source) -> Refund:
    """Start a refund of the attempt holding the money; the same refund_no and content returns the existing one."""
    existing = payment.refunds.get(refund_no)
    if existing is not None:
        if existing.amount != amount or existing.reason != reason or existing.duplicate:
            raise RefundNoConflict(refund_no)
        return existing
    if amount.is_zero():
        raise InvalidAmount("a refund must be greater than zero", "退款金额须大于零")
    if payment.status is TS.REFUNDED:
        raise RefundExceedsPaid(str(payment.paid_amount), str(payment.committed_refunds), str(amount))
    if not payment.status.is_paid:
        raise PaymentNotPaid(payment.status, "REFUND")
    if payment.status is not TS.TRADE_SUCCESS:
        raise IllegalTransition(payment.status, "REFUND")
    if payment.committed_refunds + amount > payment.paid_amount:
        raise RefundExceedsPaid(str(payment.paid_amount), str(payment.committed_refunds), str(amount))
    holder = payment.holder
    refund = Refund(refund_no, payment.order_no, amount, reason, RefundStatus.PROCESSING, now,
                    out_trade_no=holder.out_trade_no if holder is not None else None)
    payment.refunds[refund_no] = refund
    payment._record(EventType.REFUND_CREATED, None, RefundStatus.PROCESSING, amount, source, now, refund_no=refund_no)
    return refund


def on_refund_succeeded(payment: Payment, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
    """A refund the provider says succeeded: the payment's refunded amount grows (not for a duplicate's)."""
    refund = _refund_for(payment, update)
    if refund.status is RefundStatus.SUCCESS:
        return []
    if update.amount is not None and update.amount != refund.amount:
        raise AmountMismatch(str(refund.amount), str(update.amount))
    refund.move_to(RefundStatus.SUCCESS)
    refund.success_time = update.occurred_at or now
    refund.provider_refund_id = update.provider_refund_id or refund.provider_refund_id
    if refund.duplicate:
        return _duplicate_refunded(payment, refund, update, source, now)
    payment.refunded_amount = payment.refunded_amount + refund.amount
    events = [payment._record(EventType.REFUND_SUCCEEDED, RefundStatus.PROCESSING, RefundStatus.SUCCESS,
                              refund.amount, source, now, update, refund_no=refund.refund_no)]
    if payment.refunded_amount == payment.paid_amount and payment.status is TS.TRADE_SUCCESS:
        events.append(payment._move(TS.REFUNDED, EventType.PAYMENT_REFUNDED, source, now, update,
                                    amount=payment.refunded_amount))
    return events


def _duplicate_refunded(payment: Payment, refund: Refund, update: ProviderUpdate, source: Source,
                        now: datetime) -> list[DomainEvent]:
    attempt = payment.attempt_for(refund.out_trade_no)
    detail: dict[str, object] = {"out_trade_no": refund.out_trade_no}
    if attempt is not None and attempt.status is AttemptStatus.DUPLICATE:
        attempt.status = AttemptStatus.DUPLICATE_REFUNDED
        detail.update(payment_type=attempt.payment_type.value, pay_method=attempt.pay_method.value,
                      trade_no=attempt.trade_no)
    return [payment._record(EventType.PAYMENT_DUPLICATE_REFUNDED, AttemptStatus.DUPLICATE,
                            AttemptStatus.DUPLICATE_REFUNDED, refund.amount, source, now, update,
                            refund_no=refund.refund_no, detail=detail)]


def on_refund_failed(payment: Payment, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
    """A refund the provider refused: it no longer holds money, its amount is free again."""
    refund = _refund_for(payment, update)
    if refund.status is RefundStatus.FAILED:
        return []
    refund.move_to(RefundStatus.FAILED)
    refund.provider_refund_id = update.provider_refund_id or refund.provider_refund_id
    refund.failure_code, refund.failure_message = update.failure_code, update.failure_message
    detail = {"failure_code": update.failure_code, "failure_message": update.failure_message}
    return [payment._record(EventType.REFUND_FAILED, RefundStatus.PROCESSING, RefundStatus.FAILED,
                            refund.amount, source, now, update, refund_no=refund.refund_no, detail=detail)]


def _refund_for(payment: Payment, update: ProviderUpdate) -> Refund:
    refund = payment.refunds.get(update.refund_no or "")
    if refund is None:
        raise UnknownRefund(update.refund_no or "")
    return refund
