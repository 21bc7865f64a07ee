"""The arguments of outgoing WeChat Pay calls, built from the aggregates: amounts in fen, Beijing times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wechatpayv3 import WeChatPayType

from adapters.gateways.wechat.credentials import WeChatCredentials
from application.errors import OpenidRequired, ProviderError, UnsupportedPayMethod
from domain.beijing import BEIJING
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund

CURRENCY = "CNY"
H5_TYPE = "Wap"  # h5_info.type of a mobile web page (iOS and Android are for apps)


def rfc3339_beijing(moment: datetime) -> str:
    """An aware datetime (a naive one is taken as UTC) as RFC 3339 in Beijing time: "2026-11-24T20:30:00+08:00"."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).replace(microsecond=0).isoformat()


def amount(money: Money) -> dict[str, Any]:
    """An order amount: integer fen, straight from Money (never through a float)."""
    return {"total": money.fen, "currency": CURRENCY}


def pay_arguments(payment: Payment, credentials: WeChatCredentials) -> dict[str, Any]:
    """Keyword arguments of the SDK's `pay` for a Native, JSAPI or H5 order."""
    if not credentials.notify_url:
        raise ProviderError("the WeChat Pay config has no notify URL to give WeChat")
    arguments: dict[str, Any] = {
        "description": payment.subject,
        "out_trade_no": payment.order_no,
        "amount": amount(payment.total_amount),
        "time_expire": rfc3339_beijing(payment.expire_time),
        "notify_url": credentials.notify_url,
    }
    if payment.pay_method == "native":
        return arguments | {"pay_type": WeChatPayType.NATIVE}
    if payment.pay_method == "jsapi":
        if not payment.openid:
            raise OpenidRequired("a JSAPI payment needs the payer's openid")
        return arguments | {"pay_type": WeChatPayType.JSAPI, "payer": {"openid": payment.openid}}
    if payment.pay_method == "h5":
        if not payment.payer_client_ip:
            raise ProviderError("an H5 payment needs the payer's IP address (scene_info.payer_client_ip)")
        scene = {"payer_client_ip": payment.payer_client_ip, "h5_info": {"type": H5_TYPE}}
        return arguments | {"pay_type": WeChatPayType.H5, "scene_info": scene}
    raise UnsupportedPayMethod(f"WeChat Pay has no pay method {payment.pay_method!r}", pay_method=payment.pay_method)


def refund_arguments(payment: Payment, refund: Refund, credentials: WeChatCredentials) -> dict[str, Any]:
    """Keyword arguments of the SDK's `refund`; out_refund_no = our refund_no makes a retry safe."""
    arguments: dict[str, Any] = {
        "out_refund_no": refund.refund_no,
        "out_trade_no": payment.order_no,
        "amount": {"refund": refund.amount.fen, "total": payment.total_amount.fen, "currency": CURRENCY},
    }
    if refund.reason:
        arguments["reason"] = refund.reason
    if credentials.notify_url:
        arguments["notify_url"] = credentials.notify_url
    return arguments
