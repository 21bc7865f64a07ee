"""The Payment aggregate: one order's money, its refunds and the rules that move them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.checkout import Checkout
from domain.errors import (
    AmountMismatch,
    IllegalTransition,
    InvalidAmount,
    PaymentAlreadyPaid,
    PaymentNotPaid,
    RefundExceedsPaid,
    RefundNoConflict,
    UnknownRefund,
)
from domain.events import AnomalyKind, DomainEvent, EventType, Source
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.refund import Refund
from domain.status import RefundStatus, TradeStatus, can_move
from domain.updates import ProviderUpdate, UpdateKind

TS = TradeStatus


@dataclass(slots=True)
class Payment:
    """A payment and its refunds. Methods change state only as the transition table allows."""

    order_no: str
    payment_type: PaymentType
    pay_method: PayMethod
    config_id: int | None
    subject: str
    total_amount: Money
    status: TradeStatus
    create_time: datetime
    expire_time: datetime
    body: str = ""
    openid: str | None = None
    return_url: str | None = None
    notify_url: str | None = None
    api_key_id: str | None = None
    payer_client_ip: str | None = None  # the payer's address, for the provider at create time (not stored)
    checkout: Checkout = field(default_factory=Checkout)
    refunded_amount: Money = field(default_factory=Money.zero)
    trade_no: str | None = None
    buyer_id: str | None = None
    buyer_account: str | None = None
    receipt_amount: Money | None = None
    payment_time: datetime | None = None
    notify_time: datetime | None = None
    update_time: datetime | None = None
    version: int = 0
    refunds: dict[str, Refund] = field(default_factory=dict)
    seen_event_ids: set[str] = field(default_factory=set)
    pending_events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        *,
        order_no: str,
        payment_type: PaymentType,
        pay_method: PayMethod,
        config_id: int | None,
        subject: str,
        total_amount: Money,
        now: datetime,
        expire_time: datetime,
        **optional: Any,
    ) -> Payment:
        """A new unpaid payment, with its payment.created event pending."""
        payment = cls(
            order_no=order_no,
            payment_type=payment_type,
            pay_method=pay_method,
            config_id=config_id,
            subject=subject,
            total_amount=total_amount,
            status=TS.WAIT_BUYER_PAY,
            create_time=now,
            expire_time=expire_time,
            update_time=now,
            **optional,
        )
        payment._record(EventType.PAYMENT_CREATED, None, TS.WAIT_BUYER_PAY, total_amount, Source.API, now)
        return payment

    @property
    def paid_amount(self) -> Money:
        """What the buyer paid: the total once paid, else nothing."""
        return self.total_amount if self.status.is_paid else Money.zero()

    @property
    def committed_refunds(self) -> Money:
        """Refunds that succeeded or may still succeed."""
        return sum((r.amount for r in self.refunds.values() if r.holds_money), Money.zero())

    # -- commands from the business system -------------------------------------------------

    def needs_closing(self) -> bool:
        """Whether a close has anything to do: False if closed already; PaymentAlreadyPaid if paid."""
        if self.status is TS.TRADE_CLOSED:
            return False
        if self.status.is_paid:
            raise PaymentAlreadyPaid(self.status, TS.TRADE_CLOSED)
        return True

    def close(self, source: Source, now: datetime) -> list[DomainEvent]:
        """Close an unpaid payment; closing a closed one changes nothing."""
        if not self.needs_closing():
            return []
        return [self._move(TS.TRADE_CLOSED, EventType.PAYMENT_CLOSED, source, now)]

    def expiry_reminder(self, now: datetime) -> DomainEvent | None:
        """The payment.expiring event of an unpaid payment (None once paid or closed); never journaled."""
        if self.status is not TS.WAIT_BUYER_PAY:
            return None
        return DomainEvent(EventType.PAYMENT_EXPIRING, self.order_no, TS.WAIT_BUYER_PAY.value,
                           TS.WAIT_BUYER_PAY.value, self.total_amount, Source.WORKER, now,
                           detail={"expire_time": self.expire_time.isoformat()})

    def request_refund(self, refund_no: str, amount: Money, reason: str, now: datetime,
                       source: Source = Source.API) -> Refund:
        """Start a refund; the same refund_no with the same content returns the existing one."""
        existing = self.refunds.get(refund_no)
        if existing is not None:
            if existing.amount != amount or existing.reason != reason:
                raise RefundNoConflict(refund_no)
            return existing
        if amount.is_zero():
            raise InvalidAmount("a refund must be greater than zero", "退款金额须大于零")
        if self.status is TS.REFUNDED:
            raise RefundExceedsPaid(str(self.paid_amount), str(self.committed_refunds), str(amount))
        if not self.status.is_paid:
            raise PaymentNotPaid(self.status, "REFUND")
        if self.status is not TS.TRADE_SUCCESS:
            raise IllegalTransition(self.status, "REFUND")
        if self.committed_refunds + amount > self.paid_amount:
            raise RefundExceedsPaid(str(self.paid_amount), str(self.committed_refunds), str(amount))
        refund = Refund(refund_no, self.order_no, amount, reason, RefundStatus.PROCESSING, now)
        self.refunds[refund_no] = refund
        self._record(
            EventType.REFUND_CREATED, None, RefundStatus.PROCESSING, amount, source, now, refund_no=refund_no
        )
        return refund

    def refund_in_full(self, refund_no: str, reason: str, now: datetime, source: Source) -> list[DomainEvent]:
        """Start a refund of everything paid; the events it recorded (none if that refund exists already)."""
        before = len(self.pending_events)
        self.request_refund(refund_no, self.paid_amount, reason, now, source)
        return self.pending_events[before:]

    # -- facts from the provider -----------------------------------------------------------

    def apply(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        """Apply a provider fact; a fact already reflected (or a seen event id) changes nothing."""
        if update.event_id is not None and update.event_id in self.seen_event_ids:
            return []
        handler = _HANDLERS[update.kind]
        events = handler(self, update, source, now)
        if events:
            if update.event_id is not None:
                self.seen_event_ids.add(update.event_id)
            if source is Source.NOTIFY:
                self.notify_time = now
        return events

    def _on_paid(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        if update.amount is not None and update.amount != self.total_amount:
            raise AmountMismatch(str(self.total_amount), str(update.amount))
        if self.status.is_paid:
            return []
        events: list[DomainEvent] = []
        if self.status is TS.TRADE_CLOSED:
            detail = {"kind": AnomalyKind.PAID_AFTER_CLOSE.value, "reason": "paid after local close",
                      "trade_no": update.trade_no}
            events.append(self._record(EventType.PAYMENT_ANOMALY, TS.TRADE_CLOSED, None, self.total_amount,
                                       source, now, update, detail=detail))
        self.trade_no = update.trade_no or self.trade_no
        self.payment_time = update.occurred_at or self.payment_time
        self.buyer_id = update.buyer_id or self.buyer_id
        self.buyer_account = update.buyer_account or self.buyer_account
        self.receipt_amount = update.receipt_amount or self.total_amount
        events.append(self._move(TS.TRADE_SUCCESS, EventType.PAYMENT_SUCCEEDED, source, now, update))
        return events

    def _on_finished(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        events = self._on_paid(update, source, now)
        if self.status is TS.TRADE_SUCCESS:
            events.append(self._move(TS.TRADE_FINISHED, EventType.PAYMENT_FINISHED, source, now, update))
        return events

    def _on_closed(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        # Alipay also reports TRADE_CLOSED for a fully refunded trade: refunds settle that, not this.
        if self.status is not TS.WAIT_BUYER_PAY:
            return []
        return [self._move(TS.TRADE_CLOSED, EventType.PAYMENT_CLOSED, source, now, update)]

    def _on_nothing(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        return []

    def _on_refund_succeeded(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        refund = self._refund_for(update)
        if refund.status is RefundStatus.SUCCESS:
            return []
        if update.amount is not None and update.amount != refund.amount:
            raise AmountMismatch(str(refund.amount), str(update.amount))
        refund.move_to(RefundStatus.SUCCESS)
        refund.success_time = update.occurred_at or now
        refund.provider_refund_id = update.provider_refund_id or refund.provider_refund_id
        self.refunded_amount = self.refunded_amount + refund.amount
        events = [self._record(EventType.REFUND_SUCCEEDED, RefundStatus.PROCESSING, RefundStatus.SUCCESS,
                               refund.amount, source, now, update, refund_no=refund.refund_no)]
        if self.refunded_amount == self.paid_amount and self.status is TS.TRADE_SUCCESS:
            events.append(self._move(TS.REFUNDED, EventType.PAYMENT_REFUNDED, source, now, update,
                                     amount=self.refunded_amount))
        return events

    def _on_refund_failed(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        refund = self._refund_for(update)
        if refund.status is RefundStatus.FAILED:
            return []
        refund.move_to(RefundStatus.FAILED)  # a FAILED refund no longer holds money: its amount is free again
        refund.provider_refund_id = update.provider_refund_id or refund.provider_refund_id
        refund.failure_code, refund.failure_message = update.failure_code, update.failure_message
        detail = {"failure_code": update.failure_code, "failure_message": update.failure_message}
        return [self._record(EventType.REFUND_FAILED, RefundStatus.PROCESSING, RefundStatus.FAILED,
                             refund.amount, source, now, update, refund_no=refund.refund_no, detail=detail)]

    def _refund_for(self, update: ProviderUpdate) -> Refund:
        refund = self.refunds.get(update.refund_no or "")
        if refund is None:
            raise UnknownRefund(update.refund_no or "")
        return refund

    # -- bookkeeping ---------------------------------------------------------------------------

    def collect_events(self) -> list[DomainEvent]:
        """The events recorded since the last collection, now forgotten (the unit of work calls it on commit)."""
        events, self.pending_events = self.pending_events, []
        return events

    def _move(self, target: TradeStatus, event_type: EventType, source: Source, now: datetime,
              update: ProviderUpdate | None = None, amount: Money | None = None) -> DomainEvent:
        if not can_move(self.status, target):
            raise IllegalTransition(self.status, target)
        previous, self.status = self.status, target
        return self._record(event_type, previous, target, amount or self.total_amount, source, now, update)

    def _record(self, event_type: EventType, from_status: str | None, to_status: str | None,
                amount: Money | None, source: Source, now: datetime, update: ProviderUpdate | None = None,
                refund_no: str | None = None, detail: dict[str, Any] | None = None) -> DomainEvent:
        self.update_time = now
        event = DomainEvent(
            event_type=event_type,
            order_no=self.order_no,
            from_status=str(from_status) if from_status is not None else None,
            to_status=str(to_status) if to_status is not None else None,
            amount=amount,
            source=source,
            occurred_at=now,
            provider_event_id=update.event_id if update else None,
            refund_no=refund_no,
            detail=detail or {},
            raw=dict(update.raw) if update and update.raw else None,
        )
        self.pending_events.append(event)
        return event


_HANDLERS = {
    UpdateKind.WAITING: Payment._on_nothing,
    UpdateKind.REFUND_PROCESSING: Payment._on_nothing,
    UpdateKind.REFUND_NOT_FOUND: Payment._on_nothing,  # the use case sends it again; nothing changes here
    UpdateKind.PAID: Payment._on_paid,
    UpdateKind.FINISHED: Payment._on_finished,
    UpdateKind.CLOSED: Payment._on_closed,
    UpdateKind.REFUND_SUCCEEDED: Payment._on_refund_succeeded,
    UpdateKind.REFUND_FAILED: Payment._on_refund_failed,
}
