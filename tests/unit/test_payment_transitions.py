"""The Payment aggregate's methods agree with the one transition table, domain.status.ALLOWED."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest

from domain.errors import DomainError, IllegalTransition, PaymentAlreadyPaid, PaymentNotPaid
from domain.events import EventType, Source
from domain.payment import Payment
from domain.status import ALLOWED, TradeStatus
from domain.updates import UpdateKind
from tests.unit.builders import T0, paid, payment_in, refund_outcome, status_hops

TS = TradeStatus
LATER = T0 + timedelta(minutes=5)


def pay(payment: Payment) -> None:
    payment.apply(paid(event_id="notify-attempt"), Source.NOTIFY, LATER)


def finish(payment: Payment) -> None:
    payment.apply(paid(event_id="finish-attempt", kind=UpdateKind.FINISHED), Source.NOTIFY, LATER)


def close(payment: Payment) -> None:
    payment.close(Source.API, LATER)


def refund_in_full(payment: Payment) -> None:
    payment.request_refund("R-attempt", payment.total_amount, "", LATER)
    payment.apply(refund_outcome("R-attempt", payment.total_amount), Source.NOTIFY, LATER)


# The command that asks for each target status. Nothing ever asks to go back to WAIT_BUYER_PAY.
COMMAND_FOR: dict[TradeStatus, Callable[[Payment], None]] = {
    TS.TRADE_SUCCESS: pay,
    TS.TRADE_FINISHED: finish,
    TS.TRADE_CLOSED: close,
    TS.REFUNDED: refund_in_full,
}

# What each move the table refuses does instead: raise, be ignored as a stale fact, or (a FINISHED
# report for an unpaid payment) take the two allowed steps through TRADE_SUCCESS.
RAISES, IGNORED, VIA_SUCCESS = "raises", "ignored", "via TRADE_SUCCESS"
REFUSAL: dict[tuple[TradeStatus, TradeStatus], str] = {
    (TS.WAIT_BUYER_PAY, TS.TRADE_FINISHED): VIA_SUCCESS,
    (TS.WAIT_BUYER_PAY, TS.REFUNDED): RAISES,
    (TS.TRADE_SUCCESS, TS.TRADE_CLOSED): RAISES,
    (TS.TRADE_CLOSED, TS.TRADE_FINISHED): VIA_SUCCESS,
    (TS.TRADE_CLOSED, TS.REFUNDED): RAISES,
    (TS.TRADE_FINISHED, TS.TRADE_SUCCESS): IGNORED,
    (TS.TRADE_FINISHED, TS.TRADE_CLOSED): RAISES,
    (TS.TRADE_FINISHED, TS.REFUNDED): RAISES,
    (TS.REFUNDED, TS.TRADE_SUCCESS): IGNORED,
    (TS.REFUNDED, TS.TRADE_FINISHED): IGNORED,
    (TS.REFUNDED, TS.TRADE_CLOSED): RAISES,
}

PAIRS = [(a, b) for a, b in itertools.product(TS, TS) if a is not b and b is not TS.WAIT_BUYER_PAY]


def test_the_refusals_listed_here_are_exactly_the_moves_the_table_refuses() -> None:
    refused = {(a, b) for a, b in PAIRS if b not in ALLOWED[a]}
    assert set(REFUSAL) == refused


def test_no_status_leads_back_to_wait_buyer_pay() -> None:
    assert all(TS.WAIT_BUYER_PAY not in targets for targets in ALLOWED.values())


@pytest.mark.parametrize(("current", "target"), [p for p in PAIRS if p[1] in ALLOWED[p[0]]], ids=str)
def test_a_move_the_table_allows_is_made_by_its_command(current: TradeStatus, target: TradeStatus) -> None:
    payment = payment_in(current)
    before = len(payment.pending_events)
    COMMAND_FOR[target](payment)
    assert payment.status is target
    assert status_hops(payment.pending_events[before:]) == [(current, target)]


@pytest.mark.parametrize(("current", "target"), [p for p in PAIRS if p[1] not in ALLOWED[p[0]]], ids=str)
def test_a_move_the_table_refuses_is_never_made(current: TradeStatus, target: TradeStatus) -> None:
    payment = payment_in(current)
    before = len(payment.pending_events)
    expected = REFUSAL[(current, target)]
    if expected == RAISES:
        with pytest.raises(IllegalTransition) as raised:
            COMMAND_FOR[target](payment)
        assert raised.value.current == current
        assert raised.value.attempted in (target, "REFUND")
    else:
        COMMAND_FOR[target](payment)
    new_hops = status_hops(payment.pending_events[before:])
    assert (current, target) not in new_hops
    if expected == VIA_SUCCESS:
        assert new_hops == [(current, TS.TRADE_SUCCESS), (TS.TRADE_SUCCESS, target)]
    else:
        assert payment.status is current
        assert payment.pending_events[before:] == []


@pytest.mark.parametrize("current", list(TS), ids=str)
@pytest.mark.parametrize("command", [pay, finish, close, refund_in_full], ids=lambda c: c.__name__)
def test_every_status_change_any_command_makes_is_in_the_table(
    current: TradeStatus, command: Callable[[Payment], None]
) -> None:
    payment = payment_in(current)
    before = len(payment.pending_events)
    try:
        command(payment)
    except DomainError:
        assert payment.status is current
    for from_status, to_status in status_hops(payment.pending_events[before:]):
        assert TS(to_status) in ALLOWED[TS(from_status)]


@pytest.mark.parametrize("status", list(TS), ids=str)
def test_a_terminal_status_allows_no_move_and_a_live_one_does(status: TradeStatus) -> None:
    assert status.is_terminal == (not ALLOWED[status])


def test_closing_a_paid_payment_names_both_states() -> None:
    payment = payment_in(TS.TRADE_SUCCESS)
    with pytest.raises(PaymentAlreadyPaid) as raised:
        payment.close(Source.API, LATER)
    assert (raised.value.current, raised.value.attempted) == (TS.TRADE_SUCCESS, TS.TRADE_CLOSED)
    assert "TRADE_SUCCESS" in str(raised.value)
    assert "TRADE_CLOSED" in str(raised.value)


def test_refunding_an_unpaid_payment_names_its_state() -> None:
    payment = payment_in(TS.WAIT_BUYER_PAY)
    with pytest.raises(PaymentNotPaid) as raised:
        payment.request_refund("R1", payment.total_amount, "", LATER)
    assert raised.value.current == TS.WAIT_BUYER_PAY
    assert raised.value.attempted == "REFUND"
    assert "WAIT_BUYER_PAY" in str(raised.value)


def test_refunding_a_finished_payment_is_an_illegal_transition_naming_it() -> None:
    payment = payment_in(TS.TRADE_FINISHED)
    with pytest.raises(IllegalTransition, match="TRADE_FINISHED") as raised:
        payment.request_refund("R1", payment.total_amount, "", LATER)
    assert raised.value.current == TS.TRADE_FINISHED
    assert payment.refunds == {}


def test_closing_twice_journals_one_close() -> None:
    payment = payment_in(TS.WAIT_BUYER_PAY)
    assert payment.close(Source.API, LATER)[0].event_type is EventType.PAYMENT_CLOSED
    assert payment.close(Source.API, LATER) == []
    assert status_hops(payment.pending_events) == [(TS.WAIT_BUYER_PAY, TS.TRADE_CLOSED)]
