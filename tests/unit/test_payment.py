"""The Payment aggregate: provider facts, duplicates, anomalies and refunds."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from domain.errors import (
    AmountMismatch,
    InvalidAmount,
    PaymentNotPaid,
    RefundExceedsPaid,
    RefundNoConflict,
    UnknownRefund,
)
from domain.events import EventType, Source
from domain.money import Money
from domain.payment import Payment
from domain.replay import replay
from domain.status import RefundStatus, TradeStatus
from domain.updates import ProviderUpdate, UpdateKind
from tests.unit.builders import PAID_AT, T0, TOTAL, event_types, new_payment, paid, payment_in, refund_outcome

TS = TradeStatus
LATER = T0 + timedelta(hours=2)


def snapshot(payment: Payment) -> Payment:
    return copy.deepcopy(payment)


def test_a_new_payment_waits_for_the_buyer_with_a_created_event() -> None:
    payment = new_payment()
    assert payment.status is TS.WAIT_BUYER_PAY
    assert payment.paid_amount == Money.zero()
    assert event_types(payment.pending_events) == [EventType.PAYMENT_CREATED]
    assert payment.pending_events[0].amount == TOTAL


def test_a_paid_notification_moves_to_trade_success_with_a_succeeded_event() -> None:
    payment = new_payment()
    events = payment.apply(paid(), Source.NOTIFY, LATER)
    assert payment.status is TS.TRADE_SUCCESS
    assert event_types(events) == [EventType.PAYMENT_SUCCEEDED]
    assert events[0].provider_event_id == "notify-1"
    assert payment.trade_no == "2026112422001"
    assert payment.buyer_id == "2088102177846880"
    assert payment.paid_amount == TOTAL
    assert payment.notify_time == LATER


def test_payment_time_is_the_providers_time_not_the_clock() -> None:
    payment = new_payment()
    payment.apply(paid(occurred_at=PAID_AT), Source.NOTIFY, LATER)
    assert payment.payment_time == PAID_AT
    assert payment.update_time == LATER


def test_a_sync_answer_without_a_payment_time_does_not_invent_one() -> None:
    payment = new_payment()
    payment.apply(paid(event_id=None, occurred_at=None), Source.SYNC, LATER)
    assert payment.status is TS.TRADE_SUCCESS
    assert payment.payment_time is None
    assert payment.notify_time is None


def test_a_duplicate_provider_event_id_changes_nothing_and_records_no_event() -> None:
    payment = new_payment()
    payment.apply(paid(event_id="notify-1"), Source.NOTIFY, LATER)
    before = snapshot(payment)
    assert payment.apply(paid(event_id="notify-1"), Source.NOTIFY, LATER + timedelta(minutes=1)) == []
    assert payment == before


def test_a_second_paid_notification_with_a_new_id_changes_nothing() -> None:
    payment = new_payment()
    payment.apply(paid(event_id="notify-1"), Source.NOTIFY, LATER)
    before = snapshot(payment)
    assert payment.apply(paid(event_id="notify-2", occurred_at=LATER), Source.NOTIFY, LATER) == []
    assert payment == before
    assert payment.payment_time == PAID_AT


def test_a_paid_notification_with_a_wrong_amount_raises_and_changes_nothing() -> None:
    payment = new_payment()
    before = snapshot(payment)
    with pytest.raises(AmountMismatch) as raised:
        payment.apply(paid(amount=Money(9900)), Source.NOTIFY, LATER)
    assert (raised.value.expected, raised.value.reported) == ("99.90", "99.00")
    assert payment == before


def test_a_wrong_amount_is_refused_even_once_paid() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    before = snapshot(payment)
    with pytest.raises(AmountMismatch):
        payment.apply(paid(amount=Money(1), event_id="notify-9"), Source.NOTIFY, LATER)
    assert payment == before


def test_a_refused_notification_can_be_applied_once_corrected() -> None:
    payment = new_payment()
    with pytest.raises(AmountMismatch):
        payment.apply(paid(amount=Money(1), event_id="notify-1"), Source.NOTIFY, LATER)
    assert payment.apply(paid(event_id="notify-1"), Source.NOTIFY, LATER) != []


def test_paid_after_a_local_close_is_accepted_as_trade_success_with_an_anomaly() -> None:
    payment = payment_in(TS.TRADE_CLOSED)
    events = payment.apply(paid(), Source.NOTIFY, LATER)
    assert payment.status is TS.TRADE_SUCCESS
    assert event_types(events) == [EventType.PAYMENT_ANOMALY, EventType.PAYMENT_SUCCEEDED]
    anomaly = events[0]
    assert anomaly.from_status == TS.TRADE_CLOSED
    assert anomaly.detail["reason"] == "paid after local close"
    assert (events[1].from_status, events[1].to_status) == (TS.TRADE_CLOSED, TS.TRADE_SUCCESS)


def test_a_finished_update_for_an_unpaid_payment_emits_succeeded_then_finished() -> None:
    payment = new_payment()
    events = payment.apply(paid(kind=UpdateKind.FINISHED), Source.NOTIFY, LATER)
    assert payment.status is TS.TRADE_FINISHED
    assert event_types(events) == [EventType.PAYMENT_SUCCEEDED, EventType.PAYMENT_FINISHED]
    assert payment.payment_time == PAID_AT


def test_a_finished_update_for_a_paid_payment_emits_only_finished() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    events = payment.apply(paid(kind=UpdateKind.FINISHED, event_id="notify-2"), Source.NOTIFY, LATER)
    assert event_types(events) == [EventType.PAYMENT_FINISHED]


def test_a_closed_answer_closes_only_an_unpaid_payment() -> None:
    waiting, success = payment_in(TS.WAIT_BUYER_PAY), payment_in(TS.TRADE_SUCCESS)
    closed = ProviderUpdate(UpdateKind.CLOSED, waiting.order_no)
    assert event_types(waiting.apply(closed, Source.SYNC, LATER)) == [EventType.PAYMENT_CLOSED]
    assert success.apply(closed, Source.SYNC, LATER) == []
    assert (waiting.status, success.status) == (TS.TRADE_CLOSED, TS.TRADE_SUCCESS)


def test_a_waiting_answer_changes_nothing() -> None:
    payment = new_payment()
    before = snapshot(payment)
    assert payment.apply(ProviderUpdate(UpdateKind.WAITING, payment.order_no), Source.SYNC, LATER) == []
    assert payment == before


# -- refunds ---------------------------------------------------------------------------------------


def test_a_partial_refund_keeps_trade_success_and_raises_refunded_amount() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    refund = payment.request_refund("R1", Money(1000), "size", LATER)
    assert refund.status is RefundStatus.PROCESSING
    assert payment.refunded_amount == Money.zero()
    assert payment.committed_refunds == Money(1000)
    events = payment.apply(refund_outcome("R1", Money(1000)), Source.NOTIFY, LATER)
    assert event_types(events) == [EventType.REFUND_SUCCEEDED]
    assert payment.status is TS.TRADE_SUCCESS
    assert payment.refunded_amount == Money(1000)
    assert refund.success_time == PAID_AT + timedelta(hours=1)
    assert refund.provider_refund_id == "PR1"


def test_refunds_adding_up_to_the_total_make_the_payment_refunded() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", Money(990), "", LATER)
    payment.request_refund("R2", Money(9000), "", LATER)
    payment.apply(refund_outcome("R1", Money(990)), Source.NOTIFY, LATER)
    assert payment.refunded_amount == Money(990)
    assert str(payment.status) == "TRADE_SUCCESS"
    events = payment.apply(refund_outcome("R2", Money(9000)), Source.NOTIFY, LATER)
    assert event_types(events) == [EventType.REFUND_SUCCEEDED, EventType.PAYMENT_REFUNDED]
    assert payment.status is TS.REFUNDED
    assert events[1].amount == TOTAL
    assert payment.refunded_amount == TOTAL


def test_a_refund_beyond_what_is_left_is_refused_naming_the_amounts() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", Money(9000), "", LATER)
    before = snapshot(payment)
    with pytest.raises(RefundExceedsPaid) as raised:
        payment.request_refund("R2", Money(991), "", LATER)
    assert (raised.value.paid, raised.value.committed, raised.value.requested) == ("99.90", "90.00", "9.91")
    assert "9.91" in str(raised.value)
    assert payment == before


def test_exactly_what_is_left_may_still_be_refunded() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", Money(9000), "", LATER)
    assert payment.request_refund("R2", Money(990), "", LATER).amount == Money(990)


def test_a_refund_of_a_fully_refunded_payment_exceeds_what_was_paid() -> None:
    payment = payment_in(TS.REFUNDED)
    with pytest.raises(RefundExceedsPaid):
        payment.request_refund("R2", Money(1), "", LATER)


@pytest.mark.parametrize("status", [TS.WAIT_BUYER_PAY, TS.TRADE_CLOSED])
def test_a_refund_of_an_unpaid_payment_is_refused(status: TradeStatus) -> None:
    payment = payment_in(status)
    before = snapshot(payment)
    with pytest.raises(PaymentNotPaid):
        payment.request_refund("R1", Money(100), "", LATER)
    assert payment == before


def test_a_refund_of_nothing_is_refused() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    with pytest.raises(InvalidAmount):
        payment.request_refund("R0", Money.zero(), "", LATER)
    assert payment.refunds == {}


def test_the_same_refund_no_with_the_same_body_returns_the_same_refund_and_no_new_event() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    first = payment.request_refund("R1", Money(500), "damaged", LATER)
    count = len(payment.pending_events)
    again = payment.request_refund("R1", Money(500), "damaged", LATER + timedelta(minutes=3))
    assert again is first
    assert len(payment.pending_events) == count
    assert payment.committed_refunds == Money(500)


@pytest.mark.parametrize(("amount", "reason"), [(Money(501), "damaged"), (Money(500), "changed my mind")])
def test_the_same_refund_no_with_a_different_body_is_a_conflict(amount: Money, reason: str) -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", Money(500), "damaged", LATER)
    before = snapshot(payment)
    with pytest.raises(RefundNoConflict, match="R1"):
        payment.request_refund("R1", amount, reason, LATER)
    assert payment == before


def test_a_failed_refund_releases_the_amount_it_held() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", TOTAL, "", LATER)
    events = payment.apply(refund_outcome("R1", TOTAL, succeeded=False), Source.NOTIFY, LATER)
    assert event_types(events) == [EventType.REFUND_FAILED]
    assert payment.refunds["R1"].status is RefundStatus.FAILED
    assert payment.committed_refunds == Money.zero()
    assert payment.refunded_amount == Money.zero()
    assert payment.request_refund("R2", TOTAL, "", LATER).status is RefundStatus.PROCESSING


def test_a_refund_outcome_reported_twice_counts_once() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", Money(100), "", LATER)
    payment.apply(refund_outcome("R1", Money(100)), Source.NOTIFY, LATER)
    before = snapshot(payment)
    assert payment.apply(refund_outcome("R1", Money(100)), Source.SYNC, LATER) == []
    assert payment == before


def test_a_refund_success_with_a_wrong_amount_raises_and_changes_nothing() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", Money(100), "", LATER)
    before = snapshot(payment)
    with pytest.raises(AmountMismatch):
        payment.apply(refund_outcome("R1", Money(200)), Source.NOTIFY, LATER)
    assert payment == before


def test_an_outcome_for_a_refund_the_payment_does_not_have_is_refused() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    with pytest.raises(UnknownRefund, match="R404"):
        payment.apply(refund_outcome("R404", Money(100)), Source.NOTIFY, LATER)


def test_refunds_still_processing_when_the_trade_finishes_may_still_settle() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", TOTAL, "", LATER)
    payment.apply(paid(kind=UpdateKind.FINISHED, event_id="notify-2"), Source.NOTIFY, LATER)
    payment.apply(refund_outcome("R1", TOTAL), Source.NOTIFY, LATER)
    assert payment.status is TS.TRADE_FINISHED
    assert payment.refunded_amount == TOTAL


def test_the_journal_replays_to_the_same_state() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    payment.request_refund("R1", Money(990), "", LATER)
    payment.request_refund("R2", Money(500), "", LATER)
    payment.apply(refund_outcome("R1", Money(990)), Source.NOTIFY, LATER)
    payment.apply(refund_outcome("R2", Money(500), succeeded=False), Source.NOTIFY, LATER)
    ledger = replay(payment.pending_events)
    assert ledger.status is payment.status
    assert ledger.refunded == payment.refunded_amount == Money(990)
    assert ledger.paid == TOTAL
    assert {no: status for no, (_, status) in ledger.refunds.items()} == {
        "R1": RefundStatus.SUCCESS, "R2": RefundStatus.FAILED,
    }
