"""Statuses and the one table of allowed transitions."""

from __future__ import annotations

from enum import StrEnum


class TradeStatus(StrEnum):
    """A payment's status, in the seed's (Alipay's) vocabulary."""

    WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
    TRADE_SUCCESS = "TRADE_SUCCESS"
    TRADE_FINISHED = "TRADE_FINISHED"
    TRADE_CLOSED = "TRADE_CLOSED"
    REFUNDED = "REFUNDED"

    @property
    def is_terminal(self) -> bool:
        """No further status change is possible."""
        return _TRADE_TERMINAL[self]

    @property
    def is_paid(self) -> bool:
        """The buyer's money was taken."""
        return self in _PAID


class RefundStatus(StrEnum):
    """A refund's status."""

    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"

    @property
    def is_terminal(self) -> bool:
        """No further status change is possible."""
        return _REFUND_TERMINAL[self]


TS = TradeStatus
RS = RefundStatus

# A closed payment may still turn out paid: the provider took the money before our close reached
# it. That move is allowed and journaled as an anomaly, because the money is real.
ALLOWED: dict[TradeStatus, frozenset[TradeStatus]] = {
    TS.WAIT_BUYER_PAY: frozenset({TS.TRADE_SUCCESS, TS.TRADE_CLOSED}),
    TS.TRADE_SUCCESS: frozenset({TS.TRADE_FINISHED, TS.REFUNDED}),
    TS.TRADE_CLOSED: frozenset({TS.TRADE_SUCCESS}),
    TS.TRADE_FINISHED: frozenset(),
    TS.REFUNDED: frozenset(),
}

REFUND_ALLOWED: dict[RefundStatus, frozenset[RefundStatus]] = {
    RS.PROCESSING: frozenset({RS.SUCCESS, RS.FAILED}),
    RS.SUCCESS: frozenset(),
    RS.FAILED: frozenset(),
}

_TRADE_TERMINAL: dict[TradeStatus, bool] = {
    TS.WAIT_BUYER_PAY: False,
    TS.TRADE_SUCCESS: False,
    TS.TRADE_CLOSED: False,
    TS.TRADE_FINISHED: True,
    TS.REFUNDED: True,
}
_REFUND_TERMINAL: dict[RefundStatus, bool] = {RS.PROCESSING: False, RS.SUCCESS: True, RS.FAILED: True}
_PAID = frozenset({TS.TRADE_SUCCESS, TS.TRADE_FINISHED, TS.REFUNDED})


def can_move(current: TradeStatus, target: TradeStatus) -> bool:
    """Whether the table allows current → target."""
    return target in ALLOWED[current]


def can_move_refund(current: RefundStatus, target: RefundStatus) -> bool:
    """Whether the refund table allows current → target."""
    return target in REFUND_ALLOWED[current]
