"""Alipay trades and refunds, and the rules by which they move."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from emulator.alipay import wire


class TradeStatus(StrEnum):
    """Alipay's trade_status values."""

    WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
    TRADE_SUCCESS = "TRADE_SUCCESS"
    TRADE_CLOSED = "TRADE_CLOSED"
    TRADE_FINISHED = "TRADE_FINISHED"


class TradeError(Exception):
    """A business failure Alipay answers with code 40004 and this sub_code."""

    def __init__(self, sub_code: str, sub_msg: str) -> None:
        super().__init__(f"{sub_code}: {sub_msg}")
        self.sub_code = sub_code
        self.sub_msg = sub_msg


def not_exist() -> TradeError:
    """The error for a trade Alipay does not know."""
    return TradeError("ACQ.TRADE_NOT_EXIST", "交易不存在")


@dataclass(frozen=True)
class App:
    """A merchant application registered with the emulator."""

    app_id: str
    public_key_text: str
    seller_id: str

    @staticmethod
    def default_seller_id(app_id: str) -> str:
        """A stable 16-digit PID for an app registered without one."""
        digest = int(hashlib.sha256(app_id.encode()).hexdigest(), 16)
        return "2088" + str(digest)[:12].rjust(12, "0")


@dataclass
class Refund:
    """One refund request (out_request_no) of a trade."""

    out_request_no: str
    amount: int
    reason: str
    refunded_total_after: int
    at: datetime


@dataclass
class Trade:
    """One trade of one app, keyed by (app_id, out_trade_no)."""

    app_id: str
    out_trade_no: str
    trade_no: str
    subject: str
    total_amount: int
    product_code: str
    method: str
    gmt_create: datetime
    notify_url: str = ""
    return_url: str = ""
    time_expire: datetime | None = None
    status: TradeStatus = TradeStatus.WAIT_BUYER_PAY
    history: list[TradeStatus] = field(default_factory=lambda: [TradeStatus.WAIT_BUYER_PAY])
    buyer_id: str = ""
    buyer_logon_id: str = ""
    gmt_payment: datetime | None = None
    gmt_close: datetime | None = None
    refunds: dict[str, Refund] = field(default_factory=dict)

    @property
    def refunded(self) -> int:
        """Fen refunded so far."""
        return sum(refund.amount for refund in self.refunds.values())

    @property
    def last_refund(self) -> Refund | None:
        """The most recent refund, if any."""
        return max(self.refunds.values(), key=lambda r: r.at, default=None)

    def is_expired(self, at: datetime) -> bool:
        """Whether the buyer can no longer pay: time_expire has passed while waiting."""
        return self.status is TradeStatus.WAIT_BUYER_PAY and self.time_expire is not None and at >= self.time_expire

    def pay(self, at: datetime, buyer_logon_id: str = "abc***@example.com") -> None:
        """The buyer pays: WAIT_BUYER_PAY -> TRADE_SUCCESS."""
        if self.status is TradeStatus.TRADE_SUCCESS:
            raise TradeError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        if self.status is not TradeStatus.WAIT_BUYER_PAY:
            raise TradeError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        if self.is_expired(at):
            raise TradeError("ACQ.TRADE_HAS_CLOSE", "交易已超时关闭")
        self.buyer_id, self.buyer_logon_id, self.gmt_payment = wire.buyer_id(), buyer_logon_id, at
        self._move(TradeStatus.TRADE_SUCCESS)

    def close(self, at: datetime) -> None:
        """The trade closes unpaid: WAIT_BUYER_PAY -> TRADE_CLOSED."""
        if self.status is not TradeStatus.WAIT_BUYER_PAY:
            raise TradeError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        self.gmt_close = at
        self._move(TradeStatus.TRADE_CLOSED)

    def refund(self, out_request_no: str, amount: int, reason: str, at: datetime) -> tuple[Refund, bool]:
        """Refund amount once per out_request_no; returns the refund and whether money moved now."""
        known = self.refunds.get(out_request_no)
        if known is not None:
            if known.amount != amount:
                raise TradeError("ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致")
            return known, False
        if self.status is not TradeStatus.TRADE_SUCCESS:
            raise TradeError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if amount <= 0:
            raise TradeError("ACQ.INVALID_PARAMETER", "参数无效")
        if amount > self.total_amount - self.refunded:
            raise TradeError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        refund = Refund(out_request_no, amount, reason, self.refunded + amount, at)
        self.refunds[out_request_no] = refund
        if self.refunded == self.total_amount:
            self.gmt_close = at
            self._move(TradeStatus.TRADE_CLOSED)
        return refund, True

    def _move(self, status: TradeStatus) -> None:
        self.status = status
        self.history.append(status)
