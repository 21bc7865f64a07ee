"""The control API's ways to make a bill disagree with the merchant (`/_control/wechat/...`): an order paid whose
callback is never sent, an order the merchant never placed, a refund it never asked for, and the bill showing a
payment or refund with another amount (fen), at another time, or not at all."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import msgspec
from litestar import post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from emulator.alipay.store import BillEdit
from emulator.wechat import wire
from emulator.wechat.control import conflict, find, find_refund, order_json
from emulator.wechat.inject import WeChat
from emulator.wechat.orders import ApiError, Order, RefundStatus


class UnknownOrderIn(msgspec.Struct):
    """A paid order of a merchant that never placed it; total in fen."""

    mchid: str
    out_trade_no: str
    total: int


class RefundIn(msgspec.Struct):
    """A refund made at WeChat Pay, settled, never called back; amount in fen."""

    out_refund_no: str
    amount: int


class BillEditIn(msgspec.Struct):
    """How the bill shows it: another amount (fen), another time (ISO 8601), or not at all."""

    amount: int | None = None
    finished: datetime | None = None
    omit: bool = False


def _edit(data: BillEditIn) -> BillEdit:
    if data.finished is not None and data.finished.tzinfo is None:
        raise ClientException("finished needs a time zone")
    return BillEdit(data.amount, data.finished, data.omit)


@post("/transactions/{out_trade_no:str}/pay-unnotified", status_code=200)
async def pay_unnotified(out_trade_no: FromPath[str], wechat: WeChat, mchid: FromQuery[str] = "") -> dict[str, Any]:
    """Paid at WeChat Pay, the merchant never called back (its bill will show it paid)."""
    order = find(wechat, out_trade_no, mchid)
    try:
        order.pay(wechat.clock(), wire.openid())
    except ApiError as e:
        raise conflict(e) from e
    return order_json(wechat, order)


@post("/unknown-transactions", status_code=201)
async def unknown_order(data: JSONBody[UnknownOrderIn], wechat: WeChat) -> dict[str, Any]:
    """An order paid at WeChat Pay that the merchant never placed (in its bill, unknown to it)."""
    merchant = wechat.store.merchants.get(data.mchid)
    if merchant is None:
        raise NotFoundException(f"no merchant {data.mchid}")
    now = wechat.clock()
    order = Order(mchid=merchant.mchid, appid=merchant.appid, out_trade_no=data.out_trade_no, trade_type="NATIVE",
                  description="planted", total=data.total, currency="CNY", notify_url="", created=now,
                  token=secrets.token_urlsafe(12))
    order.pay(now, wire.openid())
    wechat.store.add_order(order)
    return order_json(wechat, order)


@post("/transactions/{out_trade_no:str}/refunds-unnotified", status_code=200)
async def refund_unnotified(out_trade_no: FromPath[str], data: JSONBody[RefundIn], wechat: WeChat,
                            mchid: FromQuery[str] = "") -> dict[str, Any]:
    """A refund made at WeChat Pay that the merchant never asked for, settled at once, never called back."""
    order = find(wechat, out_trade_no, mchid)
    try:
        refund = order.refund(data.out_refund_no, data.amount, order.total, "planted", "", wechat.clock())
    except ApiError as e:
        raise conflict(e) from e
    refund.finish(RefundStatus.SUCCESS, wechat.clock())
    return order_json(wechat, order)


@post("/transactions/{out_trade_no:str}/bill", status_code=200)
async def edit_payment_in_bill(out_trade_no: FromPath[str], data: JSONBody[BillEditIn], wechat: WeChat,
                               mchid: FromQuery[str] = "") -> dict[str, Any]:
    """The bill shows the payment with another amount, at another time, or not at all."""
    order = find(wechat, out_trade_no, mchid)
    wechat.store.bill_edits[(order.mchid, order.out_trade_no, "")] = _edit(data)
    return order_json(wechat, order)


@post("/refunds/{out_refund_no:str}/bill", status_code=200)
async def edit_refund_in_bill(out_refund_no: FromPath[str], data: JSONBody[BillEditIn], wechat: WeChat,
                              mchid: FromQuery[str] = "") -> dict[str, Any]:
    """The bill shows the refund with another amount, at another time, or not at all."""
    order, refund = find_refund(wechat, out_refund_no, mchid)
    wechat.store.bill_edits[(order.mchid, order.out_trade_no, refund.out_refund_no)] = _edit(data)
    return order_json(wechat, order)


BILL_CONTROL = [pay_unnotified, unknown_order, refund_unnotified, edit_payment_in_bill, edit_refund_in_bill]
