"""Refunds: applying for one (it finishes later, with a callback) and querying it."""

from __future__ import annotations

from emulator.wechat import views
from emulator.wechat.orders import ApiError, Merchant, Order
from emulator.wechat.protocol import Call, Reply, fen, obj, text
from emulator.wechat.service import WeChatEmulator


def resource_not_exists(what: str) -> ApiError:
    """404 RESOURCE_NOT_EXISTS."""
    return ApiError(404, "RESOURCE_NOT_EXISTS", f"{what}不存在")


def refunded_order(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Order:
    """The order a refund names by out_trade_no or transaction_id."""
    body = call.body
    if body.get("transaction_id"):
        order = wechat.store.order_by_transaction_id(merchant.mchid, str(body["transaction_id"]))
    else:
        order = wechat.store.order(merchant.mchid, text(body, "out_trade_no", 32))
    if order is None:
        raise resource_not_exists("订单")
    return order


def apply(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """POST /v3/refund/domestic/refunds: idempotent on out_refund_no, never more than what is left."""
    body = call.body
    out_refund_no = text(body, "out_refund_no", 64)
    amount = obj(body, "amount")
    refund_fen, total = fen(amount, "refund"), fen(amount, "total")
    if str(amount.get("currency", "CNY")) != "CNY":
        raise ApiError(400, "PARAM_ERROR", "退款币种仅支持 CNY")
    order = refunded_order(wechat, merchant, call)
    refusal = wechat.store.refusals.take()
    if refusal is not None:
        raise ApiError(*refusal)
    refund = wechat.refund(
        order, out_refund_no, refund_fen, total, str(body.get("reason", "")), str(body.get("notify_url", ""))
    )
    return Reply(payload=views.refund(order, refund))


def query(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """GET /v3/refund/domestic/refunds/{out_refund_no}."""
    found = wechat.store.refund(call.path["out_refund_no"], merchant.mchid)
    if not found:
        raise resource_not_exists("退款单")
    order, refund = found[0]
    return Reply(payload=views.refund(order, refund))
