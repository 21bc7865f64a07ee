"""Orders: Native and JSAPI creation, queries and close."""

from __future__ import annotations

import ipaddress
import re
import secrets
from datetime import datetime
from typing import Any

from emulator.wechat import views, wire
from emulator.wechat.orders import ApiError, Merchant, Order, TradeState, param_error
from emulator.wechat.protocol import Call, Reply, fen, obj, same_merchant, text
from emulator.wechat.service import WeChatEmulator

H5_TYPES = ("iOS", "Android", "Wap")
_OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")


def order_not_exist() -> ApiError:
    """404 ORDER_NOT_EXIST."""
    return ApiError(404, "ORDER_NOT_EXIST", "订单不存在")


def time_expire(body: dict[str, Any]) -> datetime | None:
    """The optional RFC 3339 time_expire."""
    if "time_expire" not in body:
        return None
    try:
        return wire.parse_rfc3339(str(body["time_expire"]))
    except ValueError as e:
        raise param_error("time_expire格式错误，应为 yyyy-MM-DDTHH:mm:ss+TIMEZONE") from e


def create(wechat: WeChatEmulator, merchant: Merchant, call: Call, trade_type: str) -> Order:
    """The order a Native or JSAPI request describes: new, or the same one asked for again."""
    body = call.body
    appid, mchid = text(body, "appid", 32), text(body, "mchid", 32)
    same_merchant(merchant, mchid)
    if not merchant.binds(appid):
        raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
    out_trade_no, description = text(body, "out_trade_no", 32), text(body, "description", 127)
    if not _OUT_TRADE_NO.fullmatch(out_trade_no):
        raise param_error("out_trade_no应为6-32位数字、大小写字母或_-|*")
    amount = obj(body, "amount")
    total, currency = fen(amount, "total"), str(amount.get("currency", "CNY"))
    if currency != "CNY":
        raise param_error("境内商户仅支持人民币 CNY")
    openid = text(obj(body, "payer"), "openid", 128, "/body/payer") if trade_type == "JSAPI" else ""
    client_ip = payer_client_ip(body) if trade_type == "MWEB" else ""
    known = wechat.store.order(mchid, out_trade_no)
    if known is not None:
        return again(known, trade_type, total, description, openid)
    now = wechat.clock()
    order = Order(
        mchid=mchid, appid=appid, out_trade_no=out_trade_no, trade_type=trade_type, description=description,
        total=total, currency=currency, notify_url=text(body, "notify_url", 256), created=now,
        token=secrets.token_urlsafe(12), time_expire=time_expire(body), attach=str(body.get("attach", "")),
        payer_openid=openid, prepay_id=wire.prepay_id(now) if trade_type in ("JSAPI", "MWEB") else "",
        payer_client_ip=client_ip,
    )
    wechat.store.add_order(order)
    return order


def payer_client_ip(body: dict[str, Any]) -> str:
    """An H5 order's scene_info.payer_client_ip (IPv4 or IPv6), once h5_info names its type."""
    scene = obj(body, "scene_info")
    ip = text(scene, "payer_client_ip", 45, "/body/scene_info")
    try:
        ipaddress.ip_address(ip)
    except ValueError as e:
        raise param_error("scene_info.payer_client_ip格式错误") from e
    if text(obj(scene, "h5_info"), "type", 32, "/body/scene_info/h5_info") not in H5_TYPES:
        raise param_error("scene_info.h5_info.type应为 iOS、Android 或 Wap")
    return ip


def again(order: Order, trade_type: str, total: int, description: str, openid: str) -> Order:
    """A repeated order request: the same order while unpaid and unchanged, else WeChat's refusal."""
    if order.paid:
        raise ApiError(400, "ORDERPAID", "该订单已支付")
    if order.state is TradeState.CLOSED:
        raise ApiError(400, "ORDERCLOSED", "该订单已关闭")
    if (order.trade_type, order.total, order.description, order.payer_openid) != (
        trade_type, total, description, openid
    ):
        raise ApiError(400, "OUT_TRADE_NO_USED", "商户订单号重复，请核实商户订单号是否重复提交")
    return order


def native(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """POST /v3/pay/transactions/native."""
    return Reply(payload={"code_url": create(wechat, merchant, call, "NATIVE").code_url})


def jsapi(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """POST /v3/pay/transactions/jsapi."""
    return Reply(payload={"prepay_id": create(wechat, merchant, call, "JSAPI").prepay_id})


def h5(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """POST /v3/pay/transactions/h5: the h5_url a phone browser opens to pay (the emulator's H5 page)."""
    return Reply(payload={"h5_url": wechat.h5_url(create(wechat, merchant, call, "MWEB"))})


def query_by_out_trade_no(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…."""
    same_merchant(merchant, text(call.query, "mchid", 32, "/query"))
    order = wechat.store.order(merchant.mchid, call.path["out_trade_no"])
    if order is None:
        raise order_not_exist()
    return Reply(payload=views.transaction(order))


def query_by_id(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """GET /v3/pay/transactions/id/{transaction_id}?mchid=…."""
    same_merchant(merchant, text(call.query, "mchid", 32, "/query"))
    order = wechat.store.order_by_transaction_id(merchant.mchid, call.path["transaction_id"])
    if order is None:
        raise order_not_exist()
    return Reply(payload=views.transaction(order))


def close(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close: 204, signed over an empty body."""
    same_merchant(merchant, text(call.body, "mchid", 32))
    order = wechat.store.order(merchant.mchid, call.path["out_trade_no"])
    if order is None:
        raise order_not_exist()
    order.close(wechat.clock())
    return Reply(status=204)
