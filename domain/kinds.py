"""What kind of payment: which provider takes the money (PaymentType) and how the buyer pays it (PayMethod).

The wire spells them as these strings (API.md); which methods a provider offers is its adapter's knowledge. The
members name the providers and methods paycore ships with; the domain never branches on one, so the two enums are
open: another well-formed name (a provider registered in the composition root alone, and its methods) is a
member too, made on first use and the same object ever after, though not listed when the enum is iterated. Which
names a deployment accepts is its provider list's to say (ProviderAdapter in adapters/gateways/provider.py).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Self

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,19}$")  # fits the payment_type / pay_method columns (20 and 16 characters)


class _Open(StrEnum):
    """A StrEnum that takes any well-formed name as a member of its own."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str) or not _NAME.fullmatch(value) or len(value) > cls._max_length():
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return cls._value2member_map_.setdefault(value, member)  # type: ignore[return-value]  # one object per name

    @classmethod
    def _max_length(cls) -> int:
        return 20


class PaymentType(_Open):
    """The provider a payment goes through."""

    ALIPAY = "alipay"
    WECHAT = "wechat"


class PayMethod(_Open):
    """How the buyer pays: a provider offers some of these."""

    PC = "pc"  # Alipay: the desktop cashier page
    WAP = "wap"  # Alipay: the mobile cashier page
    QR = "qr"  # Alipay: 当面付 pre-create, a QR code the buyer scans with the Alipay app
    NATIVE = "native"  # WeChat: a QR code the buyer scans
    JSAPI = "jsapi"  # WeChat: inside WeChat, for a payer known by openid
    H5 = "h5"  # WeChat: a phone browser outside WeChat, sent to WeChat's h5_url

    @classmethod
    def _max_length(cls) -> int:
        return 16
