"""The Payment aggregate: one order's money, its refunds and the rules that move them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain import payment_refunds
from domain.attempts import (
    MAX_ATTEMPTS,
    Attempt,
    AttemptStatus,
    duplicate_refund_no,
    method_name,
    out_trade_no,
)
from domain.checkout import Checkout
from domain.errors import AmountMismatch, IllegalTransition, MethodNotOffered, PaymentAlreadyPaid, TooManyAttempts
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
    payment_type: PaymentType | None  # None until the payer chooses on the cashier page (then the latest attempt's)
    pay_method: PayMethod | None
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
    pay_methods: tuple[str, ...] = ()  # the payer's choices (`alipay:pc`, …); () for a payment fixed to one method
    tried: list[Attempt] = field(default_factory=list)  # the attempts of a payment whose payer chooses
    pending_events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        *,
        order_no: str,
        payment_type: PaymentType | None,
        pay_method: PayMethod | None,
        config_id: int | None,
        subject: str,
        total_amount: Money,
        now: datetime,
        expire_time: datetime,
        **optional: Any,
    ) -> Payment:
        """A new unpaid payment, with its payment.created event pending.

        Given a payment_type and pay_method it is its one attempt (the provider knows it by order_no); without them
        it waits for the payer's choice among `pay_methods` (`start_attempt`).
        """
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
        """Refunds that succeeded or may still succeed (the refunds of duplicate attempts are not the payment's)."""
        return sum((r.amount for r in self.refunds.values() if r.holds_money and not r.duplicate), Money.zero())

    # -- attempts ---------------------------------------------------------------------------------

    @property
    def attempts(self) -> list[Attempt]:
        """The attempts at the providers, oldest first; a payment fixed to one method is its one attempt."""
        if self.pay_methods:
            return self.tried
        if self.payment_type is None or self.pay_method is None:
            return []
        status = _ONE_ATTEMPT.get(self.status, AttemptStatus.PAID)
        return [Attempt(1, self.payment_type, self.pay_method, self.config_id, self.order_no, self.create_time,
                        status, self.trade_no, self.payment_time, self.checkout)]

    @property
    def holder(self) -> Attempt | None:
        """The attempt that holds the money (the first paid), None while unpaid."""
        return next((a for a in self.attempts if a.status is AttemptStatus.PAID), None)

    @property
    def current_attempt(self) -> Attempt | None:
        """The holder once paid, else the latest attempt; None before the payer chose."""
        return self.holder or (self.attempts[-1] if self.attempts else None)

    def attempt_for(self, provider_order_no: str | None) -> Attempt | None:
        """The attempt its provider knows by this order number; the current one when none is named."""
        found = next((a for a in self.attempts if a.out_trade_no == provider_order_no), None)
        return found or (self.current_attempt if not provider_order_no or provider_order_no == self.order_no
                         else None)

    def start_attempt(self, payment_type: PaymentType, pay_method: PayMethod, config_id: int | None,
                      now: datetime) -> tuple[Attempt, bool]:
        """The attempt for the payer's choice and whether it is new: an open one of the same choice is reused (and
        becomes the current one again: `tried` keeps the latest choice last).

        Refused once the payment is paid (PaymentAlreadyPaid) or closed (IllegalTransition), for a method not
        offered (MethodNotOffered), and past MAX_ATTEMPTS (TooManyAttempts).
        """
        if self.status.is_paid:
            raise PaymentAlreadyPaid(self.status, "ATTEMPT")
        if self.status is not TS.WAIT_BUYER_PAY:
            raise IllegalTransition(self.status, "ATTEMPT")
        choice = method_name(payment_type, pay_method)
        if choice not in self.pay_methods:  # a payment fixed to one method offers no choice
            raise MethodNotOffered(choice, self.pay_methods)
        for attempt in self.tried:
            if attempt.status is AttemptStatus.OPEN and attempt.method == choice and attempt.config_id == config_id:
                self.tried.remove(attempt)  # the payer came back to it: the latest choice is last
                self.tried.append(attempt)
                self._mirror(attempt)
                return attempt, False
        if len(self.tried) >= MAX_ATTEMPTS:
            raise TooManyAttempts(MAX_ATTEMPTS)
        seq = max((a.seq for a in self.tried), default=0) + 1
        attempt = Attempt(seq, payment_type, pay_method, config_id, out_trade_no(self.order_no, seq), now)
        self.tried.append(attempt)
        self._mirror(attempt)
        self._record(EventType.ATTEMPT_STARTED, None, AttemptStatus.OPEN, self.total_amount, Source.API, now,
                     detail=_attempt_detail(attempt))
        return attempt, True

    def set_checkout(self, attempt: Attempt, checkout: Checkout) -> None:
        """What the attempt's provider handed back for the payer (its pay URL, QR content or JSAPI parameters)."""
        attempt.checkout = checkout
        current = self.current_attempt
        if current is None or current.seq == attempt.seq:
            self.checkout = checkout

    def trade(self, attempt: Attempt | None = None) -> Payment:
        """The payment as one attempt's provider knows it (its order number, method, config and trade number).

        What a gateway is handed to query, close or refund that attempt's trade; the payment itself while it has
        no attempts.
        """
        chosen = attempt or self.current_attempt
        if chosen is None or not self.pay_methods:  # a payment fixed to one method is its one attempt's trade
            return self
        return dataclasses.replace(
            self, order_no=chosen.out_trade_no, payment_type=chosen.payment_type, pay_method=chosen.pay_method,
            config_id=chosen.config_id, trade_no=chosen.trade_no, checkout=chosen.checkout, pending_events=[],
        )

    def refund_trade(self, refund: Refund) -> Payment:
        """The payment as the provider of the attempt a refund gives back knows it (see `trade`)."""
        return self.trade(self.attempt_for(refund.out_trade_no))

    def config_for(self, provider_order_no: str | None, refund_no: str | None = None) -> int | None:
        """The config of the attempt a provider fact is about (its refund's attempt for a refund)."""
        if not self.pay_methods:
            return self.config_id
        refund = self.refunds.get(refund_no or "")
        attempt = self.attempt_for(refund.out_trade_no if refund is not None else provider_order_no)
        return attempt.config_id if attempt is not None else self.config_id

    def attempts_to_ask(self) -> list[Attempt]:
        """What a status query asks its provider about: every open attempt (any may be paid), else the current."""
        current = self.current_attempt
        return [a for a in self.attempts if a.status is AttemptStatus.OPEN] or ([current] if current else [])

    def attempts_to_close(self) -> list[Attempt]:
        """Open attempts of a paid payment: each to be closed at its provider, since another holds the money."""
        if not self.status.is_paid:
            return []
        return [a for a in self.attempts if a.status is AttemptStatus.OPEN]

    def duplicate_refunds(self) -> list[Refund]:
        """The refunds in full of duplicate attempts that are still to be settled."""
        return [r for r in self.refunds.values() if r.duplicate and r.status is RefundStatus.PROCESSING]

    def _mirror(self, attempt: Attempt) -> None:
        """The payment shows its current attempt's provider, method, config, trade number and checkout."""
        self.payment_type, self.pay_method, self.config_id = attempt.payment_type, attempt.pay_method, attempt.config_id
        self.checkout = attempt.checkout
        self.trade_no = attempt.trade_no

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
        for attempt in self.attempts:  # the use case closed them at their providers first
            attempt.status = AttemptStatus.CLOSED if attempt.status is AttemptStatus.OPEN else attempt.status
        return [self._move(TS.TRADE_CLOSED, EventType.PAYMENT_CLOSED, source, now)]

    def close_attempt(self, attempt: Attempt, source: Source, now: datetime,
                      update: ProviderUpdate | None = None) -> list[DomainEvent]:
        """An open attempt closed at its provider (the payer gave it up, or another attempt was paid)."""
        if attempt.status is not AttemptStatus.OPEN:
            return []
        attempt.status = AttemptStatus.CLOSED
        if not self.pay_methods:
            return []  # a payment's one attempt closes with it: payment.closed says it
        return [self._record(EventType.ATTEMPT_CLOSED, AttemptStatus.OPEN, AttemptStatus.CLOSED, self.total_amount,
                             source, now, update, detail=_attempt_detail(attempt))]

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
        return payment_refunds.request_refund(self, refund_no, amount, reason, now, source)

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
        attempt = self.attempt_for(update.order_no)
        if attempt is not None and attempt.status.is_paid and attempt.status is not AttemptStatus.PAID:
            return []  # a duplicate attempt heard of again
        holder = self.holder
        if self.status.is_paid and attempt is not None and holder is not None and attempt.seq != holder.seq:
            return self._on_paid_twice(attempt, update, source, now)
        if self.status.is_paid:
            return []
        events: list[DomainEvent] = []
        if self.status is TS.TRADE_CLOSED:
            detail = {"kind": AnomalyKind.PAID_AFTER_CLOSE.value, "reason": "paid after local close",
                      "trade_no": update.trade_no}
            events.append(self._record(EventType.PAYMENT_ANOMALY, TS.TRADE_CLOSED, None, self.total_amount,
                                       source, now, update, detail=detail))
        if attempt is not None:
            attempt.status, attempt.paid_time = AttemptStatus.PAID, update.occurred_at or now
            attempt.trade_no = update.trade_no or attempt.trade_no
            if self.pay_methods:
                self._mirror(attempt)
        self.trade_no = update.trade_no or self.trade_no
        self.payment_time = update.occurred_at or self.payment_time
        self.buyer_id = update.buyer_id or self.buyer_id
        self.buyer_account = update.buyer_account or self.buyer_account
        self.receipt_amount = update.receipt_amount or self.total_amount
        events.append(self._move(TS.TRADE_SUCCESS, EventType.PAYMENT_SUCCEEDED, source, now, update))
        return events

    def _on_paid_twice(self, attempt: Attempt, update: ProviderUpdate, source: Source,
                       now: datetime) -> list[DomainEvent]:
        """A second attempt paid: it keeps nothing, its refund in full starts (settled like any refund)."""
        attempt.status, attempt.paid_time = AttemptStatus.DUPLICATE, update.occurred_at or now
        attempt.trade_no = update.trade_no or attempt.trade_no
        refund = Refund(duplicate_refund_no(attempt), self.order_no, self.total_amount, "duplicate payment",
                        RefundStatus.PROCESSING, now, out_trade_no=attempt.out_trade_no, duplicate=True)
        self.refunds[refund.refund_no] = refund
        return [self._record(EventType.REFUND_CREATED, None, RefundStatus.PROCESSING, refund.amount, source, now,
                             update, refund_no=refund.refund_no, detail=_attempt_detail(attempt))]

    def _on_finished(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        events = self._on_paid(update, source, now)
        attempt = self.attempt_for(update.order_no)
        holds = attempt is None or attempt.status is AttemptStatus.PAID
        if self.status is TS.TRADE_SUCCESS and holds:
            events.append(self._move(TS.TRADE_FINISHED, EventType.PAYMENT_FINISHED, source, now, update))
        return events

    def _on_closed(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        # Alipay also reports TRADE_CLOSED for a fully refunded trade: refunds settle that, not this.
        attempt = self.attempt_for(update.order_no)
        events = self.close_attempt(attempt, source, now, update) if attempt is not None else []
        # A payer's choice closed at its provider leaves the payment open for another choice until it expires.
        if self.status is not TS.WAIT_BUYER_PAY or self.pay_methods:
            return events
        return [*events, self._move(TS.TRADE_CLOSED, EventType.PAYMENT_CLOSED, source, now, update)]

    def _on_nothing(self, update: ProviderUpdate, source: Source, now: datetime) -> list[DomainEvent]:
        return []

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


_ONE_ATTEMPT = {TS.WAIT_BUYER_PAY: AttemptStatus.OPEN, TS.TRADE_CLOSED: AttemptStatus.CLOSED}

_HANDLERS = {
    UpdateKind.WAITING: Payment._on_nothing,
    UpdateKind.REFUND_PROCESSING: Payment._on_nothing,
    UpdateKind.REFUND_NOT_FOUND: Payment._on_nothing,  # the use case sends it again; nothing changes here
    UpdateKind.PAID: Payment._on_paid,
    UpdateKind.FINISHED: Payment._on_finished,
    UpdateKind.CLOSED: Payment._on_closed,
    UpdateKind.REFUND_SUCCEEDED: payment_refunds.on_refund_succeeded,
    UpdateKind.REFUND_FAILED: payment_refunds.on_refund_failed,
}


def _attempt_detail(attempt: Attempt) -> dict[str, Any]:
    return {"attempt": attempt.seq, "payment_type": attempt.payment_type.value, "pay_method": attempt.pay_method.value,
            "out_trade_no": attempt.out_trade_no, "trade_no": attempt.trade_no}
