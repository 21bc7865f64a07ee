"""Notifications a real Alipay might send, or an attacker might: the control API's `notify` variants."""

from __future__ import annotations

from enum import StrEnum

from emulator.alipay import notifications, wire
from emulator.alipay.service import AlipayEmulator
from emulator.alipay.trades import Trade

OTHER_APP_IDS = ("2021000000000000", "2021000000000001")
OTHER_SELLER_IDS = ("2088000000000000", "2088000000000001")


class Variant(StrEnum):
    """Which notification to send on demand."""

    CURRENT = "current"
    DUPLICATE = "duplicate"
    REORDERED = "reordered"
    FORGED = "forged"
    WRONG_AMOUNT = "wrong_amount"
    WRONG_APP = "wrong_app"
    WRONG_SELLER = "wrong_seller"


class NothingToSend(LookupError):
    """The variant needs a history the trade does not have yet."""


def _other(value: str, choices: tuple[str, str]) -> str:
    return choices[0] if value != choices[0] else choices[1]


def build(alipay: AlipayEmulator, trade: Trade, variant: Variant) -> dict[str, str]:
    """The signed (or deliberately mis-signed) form body of the variant for trade."""
    if variant is Variant.DUPLICATE:
        last = alipay.last_sent.get((trade.app_id, trade.out_trade_no))
        if last is None:
            raise NothingToSend("no notification of this trade was sent yet")
        return dict(last)
    if variant is Variant.REORDERED:
        if len(trade.history) < 2:
            raise NothingToSend("the trade has no older state than its current one")
        return notifications.signed(alipay.notification(trade, status=trade.history[-2]), alipay.key_for(trade.app_id))
    fields = alipay.notification(trade, refund=trade.last_refund)
    if variant is Variant.FORGED:
        return notifications.forged(fields, alipay.key_for(trade.app_id))
    if variant is Variant.WRONG_AMOUNT:
        wrong = wire.format_amount(trade.total_amount + 100)
        fields |= {k: wrong for k in ("total_amount", "receipt_amount", "buyer_pay_amount") if k in fields}
        fields["total_amount"] = wrong
    elif variant is Variant.WRONG_APP:
        fields["app_id"] = fields["auth_app_id"] = _other(trade.app_id, OTHER_APP_IDS)
    elif variant is Variant.WRONG_SELLER:
        fields["seller_id"] = _other(fields["seller_id"], OTHER_SELLER_IDS)
    return notifications.signed(fields, alipay.key_for(trade.app_id))
