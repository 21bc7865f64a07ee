"""What kind of payment: which provider takes the money (PaymentType) and how the buyer pays it (PayMethod).

The wire spells them as these strings (API.md); which methods a provider offers is its adapter's knowledge.
"""

from __future__ import annotations

from enum import StrEnum


class PaymentType(StrEnum):
    """The provider a payment goes through."""

    ALIPAY = "alipay"
    WECHAT = "wechat"


class PayMethod(StrEnum):
    """How the buyer pays: a provider offers some of these."""

    PC = "pc"  # Alipay: the desktop cashier page
    WAP = "wap"  # Alipay: the mobile cashier page
    QR = "qr"  # Alipay: 当面付 pre-create, a QR code the buyer scans with the Alipay app
    NATIVE = "native"  # WeChat: a QR code the buyer scans
    JSAPI = "jsapi"  # WeChat: inside WeChat, for a payer known by openid
    H5 = "h5"  # WeChat: a phone browser outside WeChat, sent to WeChat's h5_url
