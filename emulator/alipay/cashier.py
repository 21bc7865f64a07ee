"""Page and WAP pay: the trade opens at the cashier, where the buyer pays or cancels."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.params import FromPath

from emulator.alipay import pages, wire
from emulator.alipay.inject import Alipay
from emulator.alipay.methods import PAGE_METHODS, amount, invalid
from emulator.alipay.protocol import GatewayError, authenticate, biz_content
from emulator.alipay.service import AlipayEmulator
from emulator.alipay.trades import App, Trade, TradeError, TradeStatus

HTML = "text/html;charset=utf-8"
_TIMEOUT_EXPRESS = re.compile(r"(\d+)([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def html(text: str, status_code: int = 200) -> Response[bytes]:
    """An HTML answer."""
    return Response(text.encode("utf-8"), status_code=status_code, media_type=HTML)


def open_page(alipay: AlipayEmulator, params: dict[str, str]) -> Response[bytes]:
    """A verified page-pay request opens (or reopens) its trade at the cashier."""
    try:
        app = authenticate(alipay, params)
        if biz_content(params).get("product_code") != PAGE_METHODS[params["method"]]:
            raise invalid("product_code")
        trade = open_trade(alipay, app, params, PAGE_METHODS[params["method"]])
    except GatewayError as e:
        return html(pages.error(e.code, e.sub_code, e.sub_msg))
    except TradeError as e:
        return html(pages.error("40004", e.sub_code, e.sub_msg))
    return html(pages.cashier(trade))


def open_trade(alipay: AlipayEmulator, app: App, params: dict[str, str], product_code: str) -> Trade:
    """The trade a page-pay or pre-create request describes: new, or the same one asked for again."""
    method, biz = params["method"], biz_content(params)
    out_trade_no, subject = str(biz.get("out_trade_no", "")), str(biz.get("subject", ""))
    if not out_trade_no or len(out_trade_no) > 64:
        raise invalid("out_trade_no")
    if not subject:
        raise invalid("subject")
    total = amount(biz, "total_amount")
    if not 1 <= total <= 10_000_000_000:
        raise invalid("total_amount")
    trade = alipay.store.trade(app.app_id, out_trade_no)
    if trade is None:
        trade = Trade(
            app_id=app.app_id, out_trade_no=out_trade_no, trade_no=wire.trade_no(alipay.clock()), subject=subject,
            total_amount=total, product_code=product_code, method=method, gmt_create=alipay.clock(),
            notify_url=params.get("notify_url", ""), return_url=params.get("return_url", ""),
            time_expire=expiry(biz, alipay.clock()),
        )
        alipay.store.add_trade(trade)
    elif trade.total_amount != total:
        raise TradeError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
    return payable(alipay.refresh(trade))


def expiry(biz: dict[str, Any], at: datetime) -> datetime | None:
    """When the buyer can no longer pay: time_expire, or the older relative timeout_express."""
    try:
        if biz.get("time_expire"):
            return wire.parse_beijing(str(biz["time_expire"]))
    except ValueError as e:
        raise invalid("time_expire") from e
    match = _TIMEOUT_EXPRESS.fullmatch(str(biz.get("timeout_express", "")))
    if match:
        return at + timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    return None


def payable(trade: Trade) -> Trade:
    """trade, if the buyer can still pay it."""
    if trade.status is TradeStatus.TRADE_SUCCESS or trade.status is TradeStatus.TRADE_FINISHED:
        raise TradeError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    if trade.status is TradeStatus.TRADE_CLOSED:
        raise TradeError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
    return trade


def with_params(url: str, params: dict[str, str]) -> str:
    """url with params appended to its query string."""
    return url + ("&" if "?" in url else "?") + urlencode(params)


@get("/alipay/cashier/{trade_no:str}", name="alipay:cashier")
async def show(trade_no: FromPath[str], alipay: Alipay) -> Response[bytes]:
    """The cashier of a trade again (e.g. after Cancel)."""
    trade = alipay.store.trade_by_trade_no(trade_no)
    if trade is None:
        return html(pages.error("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在"), 404)
    return html(pages.cashier(trade))


@post("/alipay/cashier/{trade_no:str}/pay", name="alipay:cashier-pay")
async def pay(trade_no: FromPath[str], alipay: Alipay) -> Response[bytes]:
    """The buyer pays: notify the merchant, then send the browser back to return_url."""
    trade = alipay.store.trade_by_trade_no(trade_no)
    if trade is None:
        return html(pages.error("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在"), 404)
    try:
        alipay.pay(trade)
    except TradeError as e:
        return html(pages.message("无法付款 Cannot pay", f"{e.sub_code}: {e.sub_msg}", trade), 409)
    if not trade.return_url:
        return html(pages.message("支付成功 Paid", "付款成功，商户已收到通知。", trade))
    location = with_params(trade.return_url, alipay.return_url_params(trade))
    return Response(b"", status_code=303, headers={"Location": location})


@post("/alipay/cashier/{trade_no:str}/cancel", name="alipay:cashier-cancel")
async def cancel(trade_no: FromPath[str], alipay: Alipay) -> Response[bytes]:
    """The buyer leaves without paying: the trade keeps waiting."""
    trade = alipay.store.trade_by_trade_no(trade_no)
    if trade is None:
        return html(pages.error("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在"), 404)
    return html(pages.message("已取消 Cancelled", "您已取消付款，订单仍等待付款。", trade))
