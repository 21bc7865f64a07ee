"""The control API's ways to make a bill disagree with the merchant (`/_control/alipay/...`): a trade paid whose
notification is never sent, a trade the merchant never created, a refund it never asked for, and the bill showing
a payment or refund with another amount, at another time, or not at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from emulator.alipay import wire
from emulator.alipay.control import conflict, find, trade_json
from emulator.alipay.inject import Alipay
from emulator.alipay.store import BillEdit
from emulator.alipay.trades import Trade, TradeError


class UnknownTradeIn(msgspec.Struct):
    """A paid trade of an app that its merchant never created."""

    app_id: str
    out_trade_no: str
    total_amount: str


class RefundIn(msgspec.Struct):
    """A refund made at Alipay, never notified."""

    out_request_no: str
    refund_amount: str


class BillEditIn(msgspec.Struct):
    """How the bill shows it: another amount (yuan), another completion time (ISO 8601), or not at all."""

    total_amount: str | None = None
    finished: datetime | None = None
    omit: bool = False


def _edit(data: BillEditIn) -> BillEdit:
    if data.finished is not None and data.finished.tzinfo is None:
        raise ClientException("finished needs a time zone")
    return BillEdit(wire.parse_amount(data.total_amount) if data.total_amount else None, data.finished, data.omit)


@post("/trades/{out_trade_no:str}/pay-unnotified", status_code=200)
async def pay_unnotified(out_trade_no: FromPath[str], alipay: Alipay, app_id: FromQuery[str] = "") -> dict[str, Any]:
    """Paid at Alipay, the merchant never told (its bill will show it paid)."""
    trade = find(alipay, out_trade_no, app_id)
    try:
        trade.pay(alipay.clock())
    except TradeError as e:
        raise conflict(e) from e
    return trade_json(trade)


@post("/unknown-trades", status_code=201)
async def unknown_trade(data: JSONBody[UnknownTradeIn], alipay: Alipay) -> dict[str, Any]:
    """A trade paid at Alipay that the merchant never created (in its bill, unknown to it)."""
    if data.app_id not in alipay.store.apps:
        raise NotFoundException(f"no app {data.app_id}")
    now = alipay.clock()
    trade = Trade(app_id=data.app_id, out_trade_no=data.out_trade_no, trade_no=wire.trade_no(now),
                  subject="planted", total_amount=wire.parse_amount(data.total_amount),
                  product_code="FAST_INSTANT_TRADE_PAY", method="alipay.trade.page.pay", gmt_create=now)
    trade.pay(now)
    alipay.store.add_trade(trade)
    return trade_json(trade)


@post("/trades/{out_trade_no:str}/refunds-unnotified", status_code=200)
async def refund_unnotified(out_trade_no: FromPath[str], data: JSONBody[RefundIn], alipay: Alipay,
                            app_id: FromQuery[str] = "") -> dict[str, Any]:
    """A refund made at Alipay that the merchant never asked for and is never told of."""
    trade = find(alipay, out_trade_no, app_id)
    try:
        trade.refund(data.out_request_no, wire.parse_amount(data.refund_amount), "planted", alipay.clock())
    except TradeError as e:
        raise conflict(e) from e
    return trade_json(trade)


@post("/trades/{out_trade_no:str}/bill", status_code=200)
async def edit_payment_in_bill(out_trade_no: FromPath[str], data: JSONBody[BillEditIn], alipay: Alipay,
                               app_id: FromQuery[str] = "") -> dict[str, Any]:
    """The bill shows the payment with another amount, at another time, or not at all."""
    trade = find(alipay, out_trade_no, app_id)
    alipay.store.bill_edits[(trade.app_id, trade.out_trade_no, "")] = _edit(data)
    return trade_json(trade)


@post("/trades/{out_trade_no:str}/refunds/{out_request_no:str}/bill", status_code=200)
async def edit_refund_in_bill(out_trade_no: FromPath[str], out_request_no: FromPath[str], data: JSONBody[BillEditIn],
                              alipay: Alipay, app_id: FromQuery[str] = "") -> dict[str, Any]:
    """The bill shows the refund with another amount (total_amount: the refund's), at another time, or not at all."""
    trade = find(alipay, out_trade_no, app_id)
    if out_request_no not in trade.refunds:
        raise NotFoundException(f"no refund {out_request_no} of {out_trade_no}")
    alipay.store.bill_edits[(trade.app_id, trade.out_trade_no, out_request_no)] = _edit(data)
    return trade_json(trade)


BILL_CONTROL = [pay_unnotified, unknown_trade, refund_unnotified, edit_payment_in_bill, edit_refund_in_bill]
