"""Orders and refunds as WeChat writes them: in query answers and inside callbacks."""

from __future__ import annotations

from typing import Any

from emulator.wechat import wire
from emulator.wechat.orders import TRADE_STATE_DESC, Order, Refund, TradeState

BANK_TYPE = "OTHERS"
USER_RECEIVED_ACCOUNT = "支付用户零钱"


def transaction(order: Order, state: TradeState | None = None) -> dict[str, Any]:
    """The transaction object of the order in state (default its current one)."""
    state = state or order.state
    data: dict[str, Any] = {
        "appid": order.appid, "mchid": order.mchid, "out_trade_no": order.out_trade_no,
        "trade_state": state.value, "trade_state_desc": TRADE_STATE_DESC[state],
        "amount": {"total": order.total, "currency": order.currency, "payer_currency": order.currency},
        "promotion_detail": [],
    }
    if order.attach:
        data["attach"] = order.attach
    if order.success_time is not None:
        data |= {
            "transaction_id": order.transaction_id, "trade_type": order.trade_type, "bank_type": BANK_TYPE,
            "success_time": wire.rfc3339(order.success_time), "payer": {"openid": order.payer_openid},
        }
        data["amount"]["payer_total"] = order.total
    return data


def refund_amount(order: Order, refund: Refund) -> dict[str, Any]:
    """A refund's amount object."""
    return {
        "refund": refund.amount, "total": order.total, "payer_refund": refund.amount, "payer_total": order.total,
        "settlement_refund": refund.amount, "settlement_total": order.total, "discount_refund": 0,
        "currency": order.currency, "refund_fee": 0, "from": [],
    }


def refund(order: Order, done: Refund) -> dict[str, Any]:
    """The refund object the refund API and the refund query answer."""
    data: dict[str, Any] = {
        "refund_id": done.refund_id, "out_refund_no": done.out_refund_no,
        "transaction_id": order.transaction_id, "out_trade_no": order.out_trade_no,
        "channel": "ORIGINAL", "user_received_account": USER_RECEIVED_ACCOUNT,
        "create_time": wire.rfc3339(done.created), "status": done.status.value, "funds_account": "AVAILABLE",
        "amount": refund_amount(order, done), "promotion_detail": [],
    }
    if done.success_time is not None:
        data["success_time"] = wire.rfc3339(done.success_time)
    return data


def refund_resource(order: Order, done: Refund) -> dict[str, Any]:
    """The decrypted resource of a REFUND.* callback."""
    data: dict[str, Any] = {
        "mchid": order.mchid, "out_trade_no": order.out_trade_no, "transaction_id": order.transaction_id,
        "out_refund_no": done.out_refund_no, "refund_id": done.refund_id, "refund_status": done.status.value,
        "user_received_account": USER_RECEIVED_ACCOUNT,
        "amount": {"total": order.total, "refund": done.amount, "payer_total": order.total,
                   "payer_refund": done.amount},
    }
    if done.success_time is not None:
        data["success_time"] = wire.rfc3339(done.success_time)
    return data
