"""A Payment driven through random interleavings of provider facts, duplicates, closes and refunds."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

from domain.errors import (
    AmountMismatch,
    DomainError,
    IllegalTransition,
    PaymentAlreadyPaid,
    PaymentNotPaid,
    RefundExceedsPaid,
    RefundNoConflict,
)
from domain.events import Source
from domain.money import Money
from domain.replay import replay
from domain.status import ALLOWED, RefundStatus, TradeStatus
from domain.updates import ProviderUpdate, UpdateKind
from tests.unit.builders import ORDER_NO, T0, TOTAL, new_payment, paid, refund_outcome, status_hops

TS = TradeStatus


class PaymentStateMachine(RuleBasedStateMachine):
    """Random provider facts and business commands; the invariants hold after every step."""

    notifications = Bundle("notifications")
    refund_nos = Bundle("refund_nos")

    def __init__(self) -> None:
        super().__init__()
        self.payment = new_payment()
        self.applied: list[ProviderUpdate] = []
        self.terminal: TradeStatus | None = None
        self.counter = 0
        self.now = T0

    def _next(self, prefix: str) -> str:
        self.counter += 1
        self.now += timedelta(seconds=7)
        return f"{prefix}-{self.counter}"

    def _apply(self, update: ProviderUpdate, source: Source, may_raise: tuple[type[DomainError], ...] = ()) -> None:
        """Apply; a refusal must leave the payment exactly as it was."""
        before = copy.deepcopy(self.payment)
        try:
            self.payment.apply(update, source, self.now)
        except may_raise:
            assert self.payment == before
            return
        self.applied.append(update)

    def _attempt(self, command: Callable[[], object], refusal: type[DomainError] | None) -> None:
        """Run a business command; it must raise `refusal` (and change nothing) exactly when one is expected."""
        before = copy.deepcopy(self.payment)
        if refusal is None:
            command()
            return
        try:
            command()
        except refusal:
            assert self.payment == before
        else:
            raise AssertionError(f"expected {refusal.__name__}")

    @initialize()
    def create(self) -> None:
        self.payment = new_payment()

    # -- provider facts ---------------------------------------------------------------------------

    @rule(target=notifications, finished=st.integers(0, 5).map(lambda n: n == 0),
          wrong_amount=st.integers(0, 9).map(lambda n: n == 0))
    def provider_sends_a_paid_notification(self, finished: bool, wrong_amount: bool) -> ProviderUpdate:
        kind = UpdateKind.FINISHED if finished else UpdateKind.PAID
        amount = Money(TOTAL.fen - 1) if wrong_amount else TOTAL
        return paid(amount=amount, event_id=self._next("notify"), kind=kind, occurred_at=self.now)

    @rule(notification=notifications)
    def a_notification_arrives_first_again_or_late(self, notification: ProviderUpdate) -> None:
        self._apply(notification, Source.NOTIFY, may_raise=(AmountMismatch,))
        if notification.amount != TOTAL:
            assert self.applied[-1:] != [notification]

    @rule(kind=st.sampled_from([UpdateKind.PAID, UpdateKind.WAITING, UpdateKind.CLOSED]))
    def a_sync_answer_arrives(self, kind: UpdateKind) -> None:
        if kind is UpdateKind.PAID:
            update = paid(event_id=None, occurred_at=self.now)
        else:
            update = ProviderUpdate(kind, ORDER_NO)
        self._apply(update, Source.SYNC)

    @rule(refund_no=refund_nos, succeeded=st.booleans(), with_amount=st.booleans(), with_event_id=st.booleans())
    def a_refund_outcome_arrives(self, refund_no: str, succeeded: bool, with_amount: bool, with_event_id: bool) -> None:
        amount = self.payment.refunds[refund_no].amount if with_amount else None
        event_id = self._next("refund-notify") if with_event_id else None
        self._apply(refund_outcome(refund_no, amount, succeeded, event_id=event_id), Source.NOTIFY,
                    may_raise=(IllegalTransition,))

    @rule(data=st.data())
    def an_update_already_applied_is_applied_again(self, data: st.DataObject) -> None:
        if not self.applied:
            return
        update = data.draw(st.sampled_from(self.applied))
        before = copy.deepcopy(self.payment)
        assert self.payment.apply(update, Source.NOTIFY, self.now) == []
        assert self.payment == before

    # -- business commands ------------------------------------------------------------------------

    @rule()
    def the_business_closes_the_payment(self) -> None:
        refusal = PaymentAlreadyPaid if self.payment.status.is_paid else None
        self._attempt(lambda: self.payment.close(Source.API, self.now), refusal)

    @rule(target=refund_nos, fen=st.integers(1, TOTAL.fen) | st.sampled_from([0, 0, 1000, 4995]))
    def the_business_asks_for_a_refund(self, fen: int) -> object:
        """Random amounts, some beyond what is left; 0 stands for exactly what is left."""
        payment = self.payment
        left = payment.paid_amount.fen - payment.committed_refunds.fen
        refund_no, amount = self._next("R"), Money(fen or max(left, 1))
        refusal: type[DomainError] | None = None
        if not payment.status.is_paid:
            refusal = PaymentNotPaid
        elif payment.status is TS.REFUNDED:
            refusal = RefundExceedsPaid
        elif payment.status is not TS.TRADE_SUCCESS:
            refusal = IllegalTransition
        elif payment.committed_refunds + amount > payment.paid_amount:
            refusal = RefundExceedsPaid
        self._attempt(lambda: payment.request_refund(refund_no, amount, "reason", self.now), refusal)
        return multiple() if refusal else multiple(refund_no)

    @rule(refund_no=refund_nos, same_body=st.booleans())
    def the_business_repeats_a_refund_request(self, refund_no: str, same_body: bool) -> None:
        refund = self.payment.refunds[refund_no]
        reason = refund.reason if same_body else "another reason"
        events = len(self.payment.pending_events)
        self._attempt(lambda: self.payment.request_refund(refund_no, refund.amount, reason, self.now),
                      None if same_body else RefundNoConflict)
        assert len(self.payment.pending_events) == events

    def teardown(self) -> None:
        event(f"ends {self.payment.status}")
        event(f"refunds {sorted(str(r.status) for r in self.payment.refunds.values())}"[:40])

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    def refunds_never_exceed_what_was_paid(self) -> None:
        payment = self.payment
        assert payment.refunded_amount <= payment.committed_refunds <= payment.paid_amount
        assert payment.paid_amount in (Money.zero(), payment.total_amount)
        assert all(r.amount.fen > 0 for r in payment.refunds.values())
        assert payment.refunded_amount.fen >= 0

    @invariant()
    def a_terminal_status_absorbs(self) -> None:
        if self.terminal is not None:
            assert self.payment.status is self.terminal
        elif self.payment.status.is_terminal:
            self.terminal = self.payment.status

    @invariant()
    def every_status_change_is_in_the_table_and_they_chain(self) -> None:
        hops = status_hops(self.payment.pending_events)
        assert all(TS(b) in ALLOWED[TS(a)] for a, b in hops)
        chain = [TS.WAIT_BUYER_PAY, *[TS(b) for _, b in hops]]
        assert all(TS(a) is chain[i] for i, (a, _) in enumerate(hops))
        assert chain[-1] is self.payment.status

    @invariant()
    def the_journal_replays_to_the_same_state(self) -> None:
        ledger = replay(self.payment.pending_events)
        assert ledger.status is self.payment.status
        assert ledger.total == self.payment.total_amount
        assert ledger.paid == self.payment.paid_amount
        assert ledger.refunded == self.payment.refunded_amount
        assert ledger.refunds == {no: (r.amount, r.status) for no, r in self.payment.refunds.items()}

    @invariant()
    def re_applying_every_applied_update_changes_nothing(self) -> None:
        again = copy.deepcopy(self.payment)
        for update in self.applied:
            assert again.apply(update, Source.NOTIFY, self.now) == []
        assert again == self.payment

    @invariant()
    def only_successful_refunds_count_as_refunded(self) -> None:
        succeeded = [r.amount for r in self.payment.refunds.values() if r.status is RefundStatus.SUCCESS]
        assert sum(succeeded, Money.zero()) == self.payment.refunded_amount
        if self.payment.status is TS.REFUNDED:
            assert self.payment.refunded_amount == self.payment.total_amount


PaymentStateMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, derandomize=True, database=None, deadline=None,
)
TestPaymentStateMachine = PaymentStateMachine.TestCase
