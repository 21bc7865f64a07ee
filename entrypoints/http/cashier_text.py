"""What the cashier page says, in Chinese (the default) and English; which of the two a payer gets."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

TEXT: dict[str, tuple[str, str]] = {
    "title": ("收银台", "Checkout"),
    "merchant": ("商户", "Merchant"),
    "subject": ("商品", "Item"),
    "order_no": ("订单号", "Order number"),
    "amount": ("应付金额", "Amount due"),
    "time_left": ("剩余支付时间", "Time left to pay"),
    "pay_before": ("请在 {time} 前完成支付", "Pay before {time}"),
    "scan_wechat": ("请使用微信扫一扫付款", "Scan with WeChat to pay"),
    "scan_alipay": ("请使用支付宝扫一扫付款", "Scan with Alipay to pay"),
    "long_press": ("长按识别二维码完成支付", "Long-press the QR code to pay"),
    "pay_alipay": ("去支付宝付款", "Pay with Alipay"),
    "pay_wechat": ("去微信付款", "Pay with WeChat"),
    "scan": ("请扫码付款", "Scan to pay"),  # a provider with no text of its own
    "pay": ("去付款", "Pay"),
    "jsapi": ("请在微信内完成支付", "Complete the payment inside WeChat"),
    "open_in_browser": ("微信内无法打开支付宝：请点右上角，在浏览器中打开本页",
                        "WeChat cannot open Alipay: open this page in your browser (top-right menu)"),
    "paid_title": ("支付成功", "Payment successful"),
    "paid_body": ("感谢您的付款，商户已收到。", "Thank you: the merchant has received your payment."),
    "returning": ("{n} 秒后返回商户", "Returning to the merchant in {n} s"),
    "back": ("返回商户", "Back to the merchant"),
    "expired_title": ("订单已超时", "This order has expired"),
    "expired_body": ("支付时间已过，订单已失效。如仍需购买，请返回商户重新下单。",
                     "The time to pay has passed. To buy it still, go back to the merchant and order again."),
    "closed_title": ("订单已关闭", "This order is closed"),
    "closed_body": ("商户已关闭该订单，无需付款。如有疑问，请联系商户。",
                    "The merchant closed this order: there is nothing to pay. Ask the merchant if in doubt."),
    "refunded_title": ("订单已退款", "This order was refunded"),
    "refunded_body": ("款项已原路退回您的付款账户。", "The money went back to the account you paid from."),
    "error_title": ("支付通道暂时不可用", "The payment service is not available right now"),
    "error_body": ("没能向支付平台发起这笔付款，请稍后重试。", "We could not start this payment. Please try again."),
    "retry": ("重试", "Try again"),
    "offline": ("网络连接中断，正在重试…", "Connection lost, retrying…"),
    "stale": ("页面已停止自动刷新，请刷新查看最新状态。",
              "This page stopped checking: refresh it for the latest status."),
    "not_found": ("找不到该订单，请检查链接是否完整。", "No such order: check that the link is complete."),
    "switch": ("English", "中文"),
    "choose": ("请选择支付方式", "Choose how to pay"),
    "other_ways": ("其他支付方式", "Other ways to pay"),
    "m_alipay_pc": ("支付宝网页支付", "Alipay on the web"),
    "m_alipay_qr": ("支付宝扫码支付", "Alipay QR code"),
    "m_alipay_wap": ("支付宝支付", "Alipay"),
    "m_wechat_native": ("微信扫码支付", "WeChat Pay QR code"),
    "m_wechat_h5": ("微信支付", "WeChat Pay"),
    "m_wechat_jsapi": ("微信支付", "WeChat Pay"),
}


def language(lang: str | None, accept_language: str | None) -> Lang:
    """`?lang=` when it names one, else English only for a payer whose first language is English."""
    if lang in ("zh", "en"):
        return "en" if lang == "en" else "zh"
    first = (accept_language or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def say(lang: Lang, key: str, **values: str) -> str:
    """The text for `key` in `lang`, its `{placeholders}` filled."""
    chinese, english = TEXT[key]
    return (english if lang == "en" else chinese).format(**values)
