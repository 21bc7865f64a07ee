"""The gateway.do API methods: each takes the verified app and biz_content and returns the response fields."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from emulator.alipay import wire
from emulator.alipay.protocol import SUCCESS
from emulator.alipay.service import AlipayEmulator
from emulator.alipay.trades import App, Trade, TradeError, not_exist

Method = Callable[[AlipayEmulator, App, dict[str, Any]], dict[str, Any]]


def invalid(field: str) -> TradeError:
    """The business error for a missing or malformed biz_content field."""
    return TradeError("ACQ.INVALID_PARAMETER", f"参数无效: {field}")


def amount(biz: dict[str, Any], field: str) -> int:
    """A required amount field in fen."""
    try:
        return wire.parse_amount(str(biz[field]))
    except (KeyError, wire.InvalidAmount) as e:
        raise invalid(field) from e


def find_trade(alipay: AlipayEmulator, app: App, biz: dict[str, Any]) -> Trade:
    """The trade named by out_trade_no or trade_no, refreshed for expiry."""
    out_trade_no, trade_no = str(biz.get("out_trade_no", "")), str(biz.get("trade_no", ""))
    if not out_trade_no and not trade_no:
        raise invalid("out_trade_no/trade_no")
    trade = alipay.store.trade(app.app_id, out_trade_no, trade_no)
    if trade is None:
        raise not_exist()
    return alipay.refresh(trade)


def query(alipay: AlipayEmulator, app: App, biz: dict[str, Any]) -> dict[str, Any]:
    """alipay.trade.query."""
    trade = find_trade(alipay, app, biz)
    paid = trade.gmt_payment is not None
    fields: dict[str, Any] = {
        **SUCCESS,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade.status.value,
        "total_amount": wire.format_amount(trade.total_amount),
        "receipt_amount": wire.format_amount(trade.total_amount if paid else 0),
        "buyer_pay_amount": wire.format_amount(trade.total_amount if paid else 0),
        "invoice_amount": wire.format_amount(trade.total_amount if paid else 0),
        "point_amount": "0.00",
    }
    if trade.gmt_payment is not None:
        fields |= {
            "buyer_logon_id": trade.buyer_logon_id,
            "buyer_user_id": trade.buyer_id,
            "buyer_user_type": "PRIVATE",
            "send_pay_date": wire.beijing(trade.gmt_payment),
        }
    return fields


def close(alipay: AlipayEmulator, app: App, biz: dict[str, Any]) -> dict[str, Any]:
    """alipay.trade.close: only a trade waiting for the buyer closes."""
    trade = find_trade(alipay, app, biz)
    trade.close(alipay.clock())
    return {**SUCCESS, "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}


def refund(alipay: AlipayEmulator, app: App, biz: dict[str, Any]) -> dict[str, Any]:
    """alipay.trade.refund: idempotent on out_request_no, never more than what is left."""
    trade = find_trade(alipay, app, biz)
    refusal = alipay.store.refusals.take()
    if refusal is not None:
        raise TradeError(*refusal)
    request_no = str(biz.get("out_request_no") or trade.out_trade_no)
    done, moved = alipay.refund(trade, request_no, amount(biz, "refund_amount"), str(biz.get("refund_reason", "")))
    return {
        **SUCCESS,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_logon_id": trade.buyer_logon_id,
        "buyer_user_id": trade.buyer_id,
        "fund_change": "Y" if moved else "N",
        "refund_fee": wire.format_amount(done.refunded_total_after),
        "send_back_fee": wire.format_amount(done.amount),
        "gmt_refund_pay": wire.beijing(done.at),
    }


def refund_query(alipay: AlipayEmulator, app: App, biz: dict[str, Any]) -> dict[str, Any]:
    """alipay.trade.fastpay.refund.query: an unknown refund is a bare Success, as on Alipay."""
    trade = find_trade(alipay, app, biz)
    done = trade.refunds.get(str(biz.get("out_request_no") or trade.out_trade_no))
    if done is None:
        return dict(SUCCESS)
    return {
        **SUCCESS,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "out_request_no": done.out_request_no,
        "total_amount": wire.format_amount(trade.total_amount),
        "refund_amount": wire.format_amount(done.amount),
        "refund_status": "REFUND_SUCCESS",
        "gmt_refund_pay": wire.beijing(done.at),
    }


def bill_url(alipay: AlipayEmulator, app: App, biz: dict[str, Any]) -> dict[str, Any]:
    """alipay.data.dataservice.bill.downloadurl.query for daily trade bills."""
    if biz.get("bill_type") != "trade":
        raise invalid("bill_type")
    text = str(biz.get("bill_date", ""))
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise invalid("bill_date")
    try:
        day = date.fromisoformat(text)
    except ValueError as e:
        raise invalid("bill_date") from e
    if not any(_on(day, t) for t in alipay.store.app_trades(app.app_id)):
        raise TradeError("isp.bill_not_exist", "账单不存在")
    token = alipay.store.issue_bill_link(app.app_id, day)
    url = f"{alipay.base_url}/alipay/bills/download?token={token}&downloadFileName={day:%Y%m%d}.csv.zip"
    return {**SUCCESS, "bill_download_url": url}


def _on(day: date, trade: Trade) -> bool:
    moments: list[datetime | None] = [trade.gmt_payment, *(r.at for r in trade.refunds.values())]
    return any(m is not None and wire.beijing_date(m) == day for m in moments)


def alipay_cert(alipay: AlipayEmulator, app: App, biz: dict[str, Any]) -> dict[str, Any]:
    """alipay.open.app.alipaycert.download: one of Alipay's certificates by SN, base64 of its PEM (with the
    intermediate), for apps in certificate mode."""
    sn = str(biz.get("alipay_cert_sn", ""))
    if alipay.ca is None or app.app_id not in alipay.cert_apps or sn not in alipay.ca.alipay_certs:
        raise TradeError("isv.cert-not-exist", "证书不存在")
    return {**SUCCESS, "alipay_cert_content": base64.b64encode(alipay.ca.alipay_certs[sn].encode()).decode()}


METHODS: dict[str, Method] = {
    "alipay.trade.query": query,
    "alipay.trade.close": close,
    "alipay.trade.refund": refund,
    "alipay.trade.fastpay.refund.query": refund_query,
    "alipay.data.dataservice.bill.downloadurl.query": bill_url,
    "alipay.open.app.alipaycert.download": alipay_cert,
}
PAGE_METHODS = {"alipay.trade.page.pay": "FAST_INSTANT_TRADE_PAY", "alipay.trade.wap.pay": "QUICK_WAP_WAY"}
