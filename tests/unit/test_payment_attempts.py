"""A payment whose payer chooses, driven through random choices, payments (twice, late, repeated), provider
closes, duplicate refunds and business refunds and closes: at most one attempt ever holds the money, and every
attempt paid after it is refunded in full, once, without touching the payment's own refunds."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.attempts import MAX_ATTEMPTS, OUT_TRADE_NO_MAX, Attempt, AttemptStatus, duplicate_refund_no, out_trade_no
from domain.errors import DomainError, IllegalTransition, MethodNotOffered, PaymentAlreadyPaid, TooManyAttempts
from domain.events import EventType, Source
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.status import RefundStatus, TradeStatus
from domain.updates import ProviderUpdate, UpdateKind
from tests.unit.builders import T0, TOTAL

AS = AttemptStatus
ORDER = "T20261203001"
CHOICES = ("alipay:pc", "alipay:qr", "wechat:native", "wechat:h5")
CONFIGS = {PaymentType.ALIPAY: 101, PaymentType.WECHAT: 202}


def choice_payment(order_no: str = ORDER) -> Payment:
    return Payment.create(order_no=order_no, payment_type=None, pay_method=None, config_id=None, subject="s",
                          total_amount=TOTAL, now=T0, expire_time=T0 + timedelta(minutes=30), pay_methods=CHOICES)


def start(payment: Payment, choice: str, at: int = 0) -> tuple[Attempt, bool]:
    kind, method = choice.split(":")
    return payment.start_attempt(PaymentType(kind), PayMethod(method), CONFIGS[PaymentType(kind)],
                                 T0 + timedelta(seconds=at))


class PayerChoosesMachine(RuleBasedStateMachine):
    """Random payer, provider and business actions on one payment whose payer chooses."""

    def __init__(self) -> None:
        super().__init__()
        self.payment = choice_payment()
        self.n = 0
        self.paid: set[int] = set()  # the model: the attempts whose provider took the payer's money

    @initialize()
    def create(self) -> None:
        self.payment = choice_payment()

    @rule(choice=st.sampled_from(CHOICES))
    def the_payer_chooses(self, choice: str) -> None:
        before = copy.deepcopy(self.payment)
        try:
            attempt, new = start(self.payment, choice, self.n)
        except (PaymentAlreadyPaid, IllegalTransition, TooManyAttempts):
            assert self.payment == before
            assert self.payment.status is not TradeStatus.WAIT_BUYER_PAY or len(before.tried) >= MAX_ATTEMPTS
            return
        assert self.payment.current_attempt is attempt
        assert new == (len(self.payment.tried) == len(before.tried) + 1)

    @rule(data=st.data(), with_event_id=st.booleans())
    def an_attempt_is_paid_at_its_provider(self, data: st.DataObject, with_event_id: bool) -> None:
        if not self.payment.tried:
            return
        attempt = data.draw(st.sampled_from(self.payment.tried))
        self.n += 1
        update = ProviderUpdate(UpdateKind.PAID, attempt.out_trade_no, amount=TOTAL, trade_no=f"P{attempt.seq}",
                                occurred_at=T0 + timedelta(seconds=self.n),
                                event_id=f"N{attempt.seq}-{self.n}" if with_event_id else None)
        self.payment.apply(update, Source.NOTIFY, T0 + timedelta(seconds=self.n))
        self.paid.add(attempt.seq)

    @rule(data=st.data())
    def an_attempt_closes_at_its_provider(self, data: st.DataObject) -> None:
        if not self.payment.tried:
            return
        attempt = data.draw(st.sampled_from(self.payment.tried))
        was, status = attempt.status, self.payment.status
        self.payment.apply(ProviderUpdate(UpdateKind.CLOSED, attempt.out_trade_no), Source.SYNC, T0)
        assert attempt.status is (AS.CLOSED if was is AS.OPEN else was)
        assert self.payment.status is status  # one choice closing leaves the payment open for another

    @rule(data=st.data(), succeeded=st.booleans())
    def a_duplicate_refund_is_settled(self, data: st.DataObject, succeeded: bool) -> None:
        pending = self.payment.duplicate_refunds()
        if not pending:
            return
        refund = data.draw(st.sampled_from(pending))
        kind = UpdateKind.REFUND_SUCCEEDED if succeeded else UpdateKind.REFUND_FAILED
        self.payment.apply(ProviderUpdate(kind, ORDER, amount=refund.amount, refund_no=refund.refund_no),
                           Source.NOTIFY, T0)

    @rule(fen=st.integers(1, TOTAL.fen))
    def the_business_refunds_part(self, fen: int) -> None:
        try:
            self.payment.request_refund(f"R{self.n}", Money(fen), "", T0)
        except DomainError:
            return
        self.n += 1

    @rule()
    def the_business_closes(self) -> None:
        try:
            self.payment.close(Source.API, T0)
        except PaymentAlreadyPaid:
            assert self.payment.status.is_paid

    @invariant()
    def at_most_one_attempt_holds_the_money(self) -> None:
        assert {a.seq for a in self.payment.tried if a.status.is_paid} == self.paid  # no payment goes unnoticed
        holders = [a for a in self.payment.tried if a.status is AS.PAID]
        assert len(holders) == min(1, len(self.paid))
        assert bool(holders) == self.payment.status.is_paid
        if holders:
            assert (self.payment.payment_type, self.payment.trade_no) == (holders[0].payment_type, holders[0].trade_no)

    @invariant()
    def every_later_paid_attempt_is_refunded_in_full_once(self) -> None:
        duplicates = [a for a in self.payment.tried if a.status in (AS.DUPLICATE, AS.DUPLICATE_REFUNDED)]
        refunds = {r.out_trade_no: r for r in self.payment.refunds.values() if r.duplicate}
        assert set(refunds) == {a.out_trade_no for a in duplicates}
        for attempt in duplicates:
            refund = refunds[attempt.out_trade_no]
            assert (refund.refund_no, refund.amount) == (duplicate_refund_no(attempt), self.payment.total_amount)
            assert (attempt.status is AS.DUPLICATE_REFUNDED) == (refund.status is RefundStatus.SUCCESS)

    @invariant()
    def the_payments_own_refunds_never_count_a_duplicate(self) -> None:
        own = [r for r in self.payment.refunds.values() if not r.duplicate]
        succeeded = sum((r.amount for r in own if r.status is RefundStatus.SUCCESS), Money.zero())
        assert self.payment.refunded_amount == succeeded
        assert self.payment.committed_refunds <= self.payment.paid_amount

    @invariant()
    def the_journal_says_each_thing_once(self) -> None:
        events = [e.event_type for e in self.payment.pending_events]
        assert events.count(EventType.PAYMENT_SUCCEEDED) <= 1
        assert events.count(EventType.PAYMENT_DUPLICATE_REFUNDED) == sum(
            a.status is AS.DUPLICATE_REFUNDED for a in self.payment.tried)

    @invariant()
    def provider_order_numbers_are_distinct_and_fit(self) -> None:
        numbers = [a.out_trade_no for a in self.payment.tried]
        assert len(set(numbers)) == len(numbers)
        assert all(len(n) <= OUT_TRADE_NO_MAX for n in numbers)


TestPayerChooses = PayerChoosesMachine.TestCase
TestPayerChooses.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)


def test_the_first_attempt_is_known_by_the_order_no_and_later_ones_by_a_suffix() -> None:
    assert out_trade_no("T20261203001", 1) == "T20261203001"
    assert out_trade_no("T20261203001", 2) == "T20261203001_2"
    long_a, long_b = "A" * 30 + "01", "A" * 30 + "02"
    assert out_trade_no(long_a, 2) != out_trade_no(long_b, 2)  # same 18-character prefix, different hashes
    assert all(len(out_trade_no(o, n)) <= OUT_TRADE_NO_MAX for o in (long_a, long_b) for n in (2, MAX_ATTEMPTS))


def test_the_same_choice_again_reuses_its_open_attempt_and_makes_it_current() -> None:
    payment = choice_payment()
    first, new = start(payment, "alipay:qr")
    second, _ = start(payment, "wechat:native")
    again, again_new = start(payment, "alipay:qr")
    assert (new, again_new, again is first, payment.current_attempt is first) == (True, False, True, True)
    assert (payment.payment_type, payment.pay_method) == (PaymentType.ALIPAY, PayMethod.QR)
    assert [a.seq for a in payment.attempts] == [2, 1]  # the latest choice last
    assert second.out_trade_no == f"{ORDER}_2"


def test_a_method_not_offered_is_refused_and_a_fixed_payment_offers_no_choice() -> None:
    payment = Payment.create(order_no=ORDER, payment_type=None, pay_method=None, config_id=None, subject="s",
                             total_amount=TOTAL, now=T0, expire_time=T0, pay_methods=("wechat:native",))
    with pytest.raises(MethodNotOffered):
        start(payment, "alipay:pc")
    fixed = Payment.create(order_no=ORDER, payment_type=PaymentType.ALIPAY, pay_method=PayMethod.PC, config_id=101,
                           subject="s", total_amount=TOTAL, now=T0, expire_time=T0)
    with pytest.raises(MethodNotOffered):
        start(fixed, "alipay:qr")
    assert [(a.seq, a.out_trade_no, a.status) for a in fixed.attempts] == [(1, ORDER, AS.OPEN)]


def test_paid_twice_holds_the_first_and_refunds_the_second_which_reports_once_refunded() -> None:
    payment = choice_payment()
    alipay, _ = start(payment, "alipay:qr")
    wechat, _ = start(payment, "wechat:native")
    payment.apply(ProviderUpdate(UpdateKind.PAID, wechat.out_trade_no, amount=TOTAL, trade_no="W1"), Source.NOTIFY, T0)
    assert [a.out_trade_no for a in payment.attempts_to_close()] == [alipay.out_trade_no]
    events = payment.apply(ProviderUpdate(UpdateKind.PAID, alipay.out_trade_no, amount=TOTAL, trade_no="A1"),
                           Source.NOTIFY, T0)
    assert [e.event_type for e in events] == [EventType.REFUND_CREATED]
    assert (payment.status, payment.payment_type, payment.trade_no) == (
        TradeStatus.TRADE_SUCCESS, PaymentType.WECHAT, "W1")
    (refund,) = payment.duplicate_refunds()
    assert (refund.refund_no, refund.out_trade_no, refund.amount) == (f"DUP_{ORDER}", ORDER, TOTAL)
    assert payment.config_for(None, refund.refund_no) == CONFIGS[PaymentType.ALIPAY]  # refunded where it was paid
    assert payment.refund_trade(refund).order_no == ORDER
    done = payment.apply(ProviderUpdate(UpdateKind.REFUND_SUCCEEDED, ORDER, amount=TOTAL, refund_no=refund.refund_no),
                         Source.NOTIFY, T0)
    assert [e.event_type for e in done] == [EventType.PAYMENT_DUPLICATE_REFUNDED]
    assert (alipay.status, payment.refunded_amount, payment.status) == (
        AS.DUPLICATE_REFUNDED, Money.zero(), TradeStatus.TRADE_SUCCESS)
