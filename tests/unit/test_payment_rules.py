"""Rules the Payment owns for its use cases: whether a close has work to do, the expiry reminder, a full refund,
and handing its recorded events to the unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import PaymentAlreadyPaid
from domain.events import EventType, Source
from domain.status import TradeStatus
from tests.unit.builders import T0, TOTAL, event_types, new_payment, paid, payment_in

TS = TradeStatus
LATER = T0 + timedelta(hours=2)


def test_an_unpaid_payment_needs_closing_and_a_closed_one_does_not() -> None:
    assert new_payment().needs_closing() is True
    assert payment_in(TS.TRADE_CLOSED).needs_closing() is False


@pytest.mark.parametrize("status", [TS.TRADE_SUCCESS, TS.TRADE_FINISHED, TS.REFUNDED])
def test_a_paid_payment_cannot_close(status: TradeStatus) -> None:
    with pytest.raises(PaymentAlreadyPaid):
        payment_in(status).needs_closing()


def test_the_expiry_reminder_of_an_unpaid_payment_names_its_expire_time_and_is_not_journaled() -> None:
    payment = new_payment()
    payment.collect_events()
    event = payment.expiry_reminder(LATER)
    assert event is not None
    assert (event.event_type, event.from_status, event.to_status) == (
        EventType.PAYMENT_EXPIRING, "WAIT_BUYER_PAY", "WAIT_BUYER_PAY")
    assert (event.amount, event.source, event.occurred_at) == (TOTAL, Source.WORKER, LATER)
    assert event.detail == {"expire_time": payment.expire_time.isoformat()}
    assert payment.pending_events == []


@pytest.mark.parametrize("status", [TS.TRADE_CLOSED, TS.TRADE_SUCCESS, TS.TRADE_FINISHED, TS.REFUNDED])
def test_a_paid_or_closed_payment_has_no_expiry_reminder(status: TradeStatus) -> None:
    assert payment_in(status).expiry_reminder(LATER) is None


def test_a_full_refund_returns_only_the_events_it_recorded() -> None:
    payment = new_payment()
    payment.apply(paid(), Source.NOTIFY, LATER)
    events = payment.refund_in_full("R-all", "paid after close", LATER, Source.NOTIFY)
    assert event_types(events) == [EventType.REFUND_CREATED]
    assert events[0].amount == TOTAL
    assert payment.refund_in_full("R-all", "paid after close", LATER, Source.NOTIFY) == []


def test_collecting_events_hands_them_over_once() -> None:
    payment = new_payment()
    payment.apply(paid(), Source.NOTIFY, LATER)
    assert event_types(payment.collect_events()) == [EventType.PAYMENT_CREATED, EventType.PAYMENT_SUCCEEDED]
    assert payment.collect_events() == []
    assert payment.pending_events == []
