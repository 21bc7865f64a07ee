"""The content of Alipay's asynchronous notifications (trade_status_sync) and their signature."""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.alipay import wire
from emulator.alipay.signing import rsa2_sign, sign_content
from emulator.alipay.trades import App, Refund, Trade, TradeStatus

# Alipay signs notifications and synchronous returns over everything except these two.
UNSIGNED = ("sign", "sign_type")


def notification_fields(
    trade: Trade, app: App, at: datetime, status: TradeStatus | None = None, refund: Refund | None = None
) -> dict[str, str]:
    """The unsigned fields of a notification of trade in status (default: its current one)."""
    status = status or trade.status
    fields = {
        "notify_time": wire.beijing(at),
        "notify_type": "trade_status_sync",
        "notify_id": wire.notify_id(),
        "app_id": trade.app_id,
        "auth_app_id": trade.app_id,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": status.value,
        "total_amount": wire.format_amount(trade.total_amount),
        "seller_id": app.seller_id,
        "subject": trade.subject,
        "gmt_create": wire.beijing(trade.gmt_create),
    }
    if trade.gmt_payment is not None and status is not TradeStatus.WAIT_BUYER_PAY:
        fields |= _payment_fields(trade, trade.gmt_payment)
    if status is TradeStatus.TRADE_CLOSED and trade.gmt_close is not None:
        fields["gmt_close"] = wire.beijing(trade.gmt_close)
    if refund is not None:
        fields |= {
            "refund_fee": wire.format_amount(refund.refunded_total_after),
            "gmt_refund": wire.beijing(refund.at) + f".{refund.at.microsecond // 1000:03d}",
            "out_biz_no": refund.out_request_no,
        }
    return fields


def _payment_fields(trade: Trade, paid_at: datetime) -> dict[str, str]:
    amount = wire.format_amount(trade.total_amount)
    return {
        "buyer_id": trade.buyer_id,
        "buyer_logon_id": trade.buyer_logon_id,
        "receipt_amount": amount,
        "invoice_amount": amount,
        "buyer_pay_amount": amount,
        "point_amount": "0.00",
        "gmt_payment": wire.beijing(paid_at),
    }


def signed(fields: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    """fields with sign_type=RSA2 and Alipay's signature over all but sign and sign_type."""
    body = {**fields, "sign_type": "RSA2"}
    body["sign"] = rsa2_sign(key, sign_content(body, exclude=UNSIGNED), body.get("charset", "utf-8"))
    return body


def forged(fields: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    """fields with a well-formed signature that does not match them."""
    body = signed(fields, key)
    body["sign"] = signed({**fields, "out_trade_no": fields["out_trade_no"] + "-forged"}, key)["sign"]
    return body


def return_fields(trade: Trade, app: App, at: datetime) -> dict[str, str]:
    """The unsigned parameters Alipay adds to return_url after a page or WAP payment."""
    return {
        "charset": "utf-8",
        "out_trade_no": trade.out_trade_no,
        "method": trade.method + ".return",
        "total_amount": wire.format_amount(trade.total_amount),
        "trade_no": trade.trade_no,
        "auth_app_id": trade.app_id,
        "version": "1.0",
        "app_id": trade.app_id,
        "seller_id": app.seller_id,
        "timestamp": wire.beijing(at),
    }
