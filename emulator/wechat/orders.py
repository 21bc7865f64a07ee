"""WeChat Pay merchants, orders and refunds, and the rules by which they move."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.wechat import wire


class Mode(StrEnum):
    """How a merchant verifies WeChat: by the platform public key, or by platform certificates."""

    PUBLIC_KEY = "public_key"
    CERTIFICATE = "certificate"


class TradeState(StrEnum):
    """WeChat's trade_state values the emulator reaches."""

    NOTPAY = "NOTPAY"
    SUCCESS = "SUCCESS"
    CLOSED = "CLOSED"
    REFUND = "REFUND"


TRADE_STATE_DESC = {
    TradeState.NOTPAY: "订单未支付", TradeState.SUCCESS: "支付成功", TradeState.CLOSED: "订单已关闭",
    TradeState.REFUND: "订单发生过退款，退款详情请查询退款单",
}


class RefundStatus(StrEnum):
    """A refund's status."""

    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    ABNORMAL = "ABNORMAL"
    CLOSED = "CLOSED"


class ApiError(Exception):
    """A refusal WeChat answers with an HTTP status and {"code", "message"}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def param_error(message: str) -> ApiError:
    """400 PARAM_ERROR."""
    return ApiError(400, "PARAM_ERROR", message)


@dataclass(frozen=True)
class Merchant:
    """A merchant registered with the emulator."""

    mchid: str
    appid: str
    public_key: rsa.RSAPublicKey
    serial_no: str
    api_v3_key: str
    mode: Mode = Mode.PUBLIC_KEY
    more_appids: frozenset[str] = frozenset()  # further apps bound to the merchant (mini program, website, ...)

    def binds(self, appid: str) -> bool:
        """Whether the merchant may take orders for this appid (WeChat's APPID_MCHID_NOT_MATCH otherwise)."""
        return appid == self.appid or appid in self.more_appids


@dataclass
class Refund:
    """One refund (out_refund_no) of an order."""

    out_refund_no: str
    refund_id: str
    amount: int
    reason: str
    notify_url: str
    created: datetime
    status: RefundStatus = RefundStatus.PROCESSING
    success_time: datetime | None = None

    @property
    def holds_money(self) -> bool:
        """Whether the refund counts against what is left to refund (a closed one gave it back)."""
        return self.status is not RefundStatus.CLOSED

    def finish(self, status: RefundStatus, at: datetime) -> None:
        """PROCESSING -> SUCCESS, ABNORMAL or CLOSED."""
        if self.status is not RefundStatus.PROCESSING:
            raise ApiError(409, "INVALID_REQUEST", f"the refund is already {self.status.value}")
        self.status = status
        if status is RefundStatus.SUCCESS:
            self.success_time = at


@dataclass
class Order:
    """One order of one merchant, keyed by (mchid, out_trade_no)."""

    mchid: str
    appid: str
    out_trade_no: str
    trade_type: str
    description: str
    total: int
    currency: str
    notify_url: str
    created: datetime
    token: str
    time_expire: datetime | None = None
    attach: str = ""
    payer_openid: str = ""
    prepay_id: str = ""
    payer_client_ip: str = ""  # H5 (MWEB) orders: scene_info.payer_client_ip
    state: TradeState = TradeState.NOTPAY
    transaction_id: str = ""
    success_time: datetime | None = None
    closed_at: datetime | None = None
    refunds: dict[str, Refund] = field(default_factory=dict)

    @property
    def code_url(self) -> str:
        """The Native QR code's content."""
        return f"weixin://wxpay/bizpayurl?pr={self.token}"

    @property
    def paid(self) -> bool:
        """Whether the payer has paid (refunds do not undo that)."""
        return self.success_time is not None

    @property
    def refundable(self) -> int:
        """Fen not yet claimed by a refund."""
        return self.total - sum(r.amount for r in self.refunds.values() if r.holds_money)

    def is_expired(self, at: datetime) -> bool:
        """Whether time_expire has passed: WeChat refuses payment but leaves the order NOTPAY until closed."""
        return self.time_expire is not None and at >= self.time_expire

    def pay(self, at: datetime, openid: str) -> None:
        """The payer pays: NOTPAY -> SUCCESS."""
        if self.paid:
            raise ApiError(400, "ORDERPAID", "该订单已支付")
        if self.state is TradeState.CLOSED:
            raise ApiError(400, "ORDERCLOSED", "该订单已关闭")
        if self.is_expired(at):
            raise ApiError(400, "ORDER_EXPIRED", "订单已过期")
        self.state, self.success_time = TradeState.SUCCESS, at
        self.transaction_id = wire.transaction_id(at)
        self.payer_openid = self.payer_openid or openid

    def close(self, at: datetime) -> None:
        """Close an unpaid order; closing a closed one again is fine."""
        if self.paid:
            raise ApiError(400, "ORDERPAID", "订单已支付，不能发起关单")
        if self.state is not TradeState.CLOSED:
            self.state, self.closed_at = TradeState.CLOSED, at

    def refund(self, out_refund_no: str, amount: int, total: int, reason: str, notify_url: str, at: datetime) -> Refund:
        """Start a refund; asking again with the same out_refund_no and amount answers the same refund."""
        known = self.refunds.get(out_refund_no)
        if known is not None:
            if known.amount != amount:
                raise ApiError(400, "INVALID_REQUEST", "退款单号已存在，但请求参数与之前不一致")
            return known
        if not self.paid:
            raise ApiError(400, "INVALID_REQUEST", "订单未支付，不能发起退款")
        if total != self.total:
            raise ApiError(400, "INVALID_REQUEST", "订单金额与原订单不一致")
        if amount <= 0:
            raise param_error("退款金额必须大于0")
        if amount > self.refundable:
            raise ApiError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        refund = Refund(out_refund_no, wire.refund_id(), amount, reason, notify_url, at)
        self.refunds[out_refund_no] = refund
        self.state = TradeState.REFUND
        return refund
