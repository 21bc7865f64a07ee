"""Callbacks a real WeChat Pay might send, or a prober or an attacker might: the control API's variants."""

from __future__ import annotations

from enum import StrEnum

from emulator.wechat import callbacks
from emulator.wechat.callbacks import PROBE_PREFIX, Callback
from emulator.wechat.orders import Mode, Order, Refund, RefundStatus
from emulator.wechat.service import WeChatEmulator

STALE_SECONDS = 600
UNKNOWN_SERIALS = {
    Mode.PUBLIC_KEY: ("PUB_KEY_ID_0114000000000000000000000000", "PUB_KEY_ID_0114000000000000000000000001"),
    Mode.CERTIFICATE: ("5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "5157F09EFDC096DE15EBE81A47057A7232F1B8E2"),
}


class Variant(StrEnum):
    """Which callback to send on demand."""

    CURRENT = "current"
    DUPLICATE = "duplicate"
    STALE = "stale"
    WRONG_SERIAL = "wrong_serial"
    PROBE = "probe"
    UNDECRYPTABLE = "undecryptable"
    WRONG_AMOUNT = "wrong_amount"
    WRONG_APP = "wrong_app"  # another app's: one bound to the same merchant if there is one, correctly signed
    PREVIOUS_CERTIFICATE = "previous_certificate"  # signed with the platform certificate before the last rotation


class NothingToSend(LookupError):
    """WeChat would send no callback of this order or refund (yet)."""


def build(
    wechat: WeChatEmulator, order: Order, refund: Refund | None, variant: Variant
) -> tuple[Callback, dict[str, str]]:
    """The callback of the variant and its headers: correctly signed unless the variant says otherwise."""
    merchant = wechat.store.merchants[order.mchid]
    if not order.paid:
        raise NothingToSend("WeChat sends no callback for an unpaid order")
    if refund is not None and refund.status is RefundStatus.PROCESSING:
        raise NothingToSend("the refund is still PROCESSING: its callback comes when it finishes")
    if variant is Variant.DUPLICATE:
        last = wechat.last_sent.get((order.mchid, order.out_trade_no, refund.out_refund_no if refund else ""))
        if last is None:
            raise NothingToSend("no callback of this order or refund was sent yet")
        return last, wechat.sign(merchant, last.body)
    other_app = next(iter(sorted(merchant.more_appids - {order.appid})), "") or (
        merchant.appid if merchant.appid != order.appid else "wx0000000000000000")
    callback = wechat.callback(
        order, refund, tamper_ciphertext=variant is Variant.UNDECRYPTABLE, wrong_amount=variant is Variant.WRONG_AMOUNT,
        appid=other_app if variant is Variant.WRONG_APP else "",
    )
    headers = wechat.sign(merchant, callback.body, age=STALE_SECONDS if variant is Variant.STALE else 0)
    if variant is Variant.WRONG_SERIAL:
        choices = UNKNOWN_SERIALS[merchant.mode]
        headers["Wechatpay-Serial"] = choices[0] if headers["Wechatpay-Serial"] != choices[0] else choices[1]
    if variant is Variant.PREVIOUS_CERTIFICATE:
        previous = wechat.platform.previous
        if previous is None:
            raise NothingToSend("the platform certificate was never rotated: there is no previous one")
        headers = callbacks.headers(previous.key, previous.serial_no, callback.body, int(wechat.clock().timestamp()))
    if variant is Variant.PROBE:
        headers["Wechatpay-Signature"] = PROBE_PREFIX + headers["Wechatpay-Signature"]
    return callback, headers
