"""The WeChat emulator's operations: orders and refunds change state here, and callbacks follow."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from emulator.alipay.signing import load_public_key
from emulator.wechat import callbacks, views, wire
from emulator.wechat.callbacks import Callback
from emulator.wechat.notifier import Notifier
from emulator.wechat.orders import Merchant, Mode, Order, Refund, RefundStatus, TradeState
from emulator.wechat.platform import Platform
from emulator.wechat.store import Store

REFUND_EVENTS = {
    RefundStatus.SUCCESS: "REFUND.SUCCESS", RefundStatus.ABNORMAL: "REFUND.ABNORMAL",
    RefundStatus.CLOSED: "REFUND.CLOSED",
}
API_V3_KEY_LENGTH = 32


class WeChatEmulator:
    """One offline WeChat Pay: its keys, its merchants and their orders, and its notifier."""

    def __init__(
        self, platform: Platform, base_url: str, notifier: Notifier, refund_delay: float,
        clock: Callable[[], datetime] = wire.now,
    ) -> None:
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self.notifier = notifier
        self.refund_delay = refund_delay
        self.clock = clock
        self.store = Store()
        self.last_sent: dict[tuple[str, str, str], Callback] = {}
        self._timers: set[asyncio.TimerHandle] = set()

    def register_merchant(
        self, mchid: str, appid: str, public_key_text: str, serial_no: str, api_v3_key: str,
        mode: Mode = Mode.PUBLIC_KEY, more_appids: tuple[str, ...] = (),
    ) -> Merchant:
        """Know a merchant by its API key's public half; raises ValueError for what WeChat would not accept."""
        if not mchid.strip() or not appid.strip() or not serial_no.strip():
            raise ValueError("mchid, appid and merchant_serial_no are required")
        if len(api_v3_key.encode("utf-8")) != API_V3_KEY_LENGTH:
            raise ValueError("api_v3_key must be 32 bytes")
        merchant = Merchant(mchid, appid, load_public_key(public_key_text), serial_no, api_v3_key, Mode(mode),
                            frozenset(a for a in more_appids if a.strip()))
        self.store.merchants[mchid] = merchant
        return merchant

    def sign(self, merchant: Merchant | None, body: str, age: int = 0) -> dict[str, str]:
        """Wechatpay-* headers for body, as the merchant's mode expects (public-key mode for strangers)."""
        key, serial = self.platform.signer(merchant.mode if merchant else Mode.PUBLIC_KEY)
        return callbacks.headers(key, serial, body, int(self.clock().timestamp()) - age)

    def scan_url(self, order: Order) -> str:
        """The page a Native order's code_url opens in the emulator."""
        return f"{self.base_url}/wechat/scan/{order.token}"

    def h5_url(self, order: Order) -> str:
        """Where an H5 order's h5_url takes the phone browser (WeChat's is wx.tenpay.com/…/checkmweb?prepay_id=…)."""
        return f"{self.base_url}/wechat/h5/{order.token}?prepay_id={order.prepay_id}"

    def pay(self, order: Order, openid: str = "") -> None:
        """The payer pays the order; TRANSACTION.SUCCESS follows."""
        order.pay(self.clock(), openid or wire.openid())
        self.notify(order)

    def refund(self, order: Order, out_refund_no: str, amount: int, total: int, reason: str, notify_url: str) -> Refund:
        """Start (or find again) a refund; a new one finishes by itself after refund_delay seconds.

        Without a notify_url the order's stands in for the refund URL a merchant configures on WeChat's platform.
        """
        known = out_refund_no in order.refunds
        refund = order.refund(out_refund_no, amount, total, reason, notify_url or order.notify_url, self.clock())
        if not known:

            def settle() -> None:
                self._timers.discard(timer)
                if refund.status is RefundStatus.PROCESSING:
                    self.finish_refund(order, refund, RefundStatus.SUCCESS)

            timer = asyncio.get_running_loop().call_later(self.refund_delay, settle)
            self._timers.add(timer)
        return refund

    def finish_refund(self, order: Order, refund: Refund, status: RefundStatus) -> None:
        """The refund reaches status; its REFUND.* callback follows."""
        refund.finish(status, self.clock())
        self.notify(order, refund)

    def callback(
        self, order: Order, refund: Refund | None = None, *, event_id: str = "", tamper_ciphertext: bool = False,
        wrong_amount: bool = False, appid: str = "",
    ) -> Callback:
        """A fresh, unsigned callback of the payment (or of the refund when given)."""
        merchant = self.store.merchants[order.mchid]
        if refund is None:
            event, resource = "TRANSACTION.SUCCESS", views.transaction(order, TradeState.SUCCESS)
        else:
            event, resource = REFUND_EVENTS[refund.status], views.refund_resource(order, refund)
        if wrong_amount:
            resource["amount"]["total"] += 100
        if appid and refund is None:  # refund resources carry no appid
            resource["appid"] = appid
        return callbacks.build(
            event, resource, merchant.api_v3_key, self.clock(), event_id=event_id, tamper_ciphertext=tamper_ciphertext
        )

    def notify(self, order: Order, refund: Refund | None = None) -> None:
        """Send the payment's (or refund's) callback to its notify_url, retrying in the background."""
        merchant = self.store.merchants[order.mchid]
        callback = self.callback(order, refund)
        self.last_sent[(order.mchid, order.out_trade_no, refund.out_refund_no if refund else "")] = callback
        url = refund.notify_url if refund else order.notify_url
        if url:
            self.notifier.schedule(url, callback, lambda body: self.sign(merchant, body))

    async def aclose(self) -> None:
        """Stop refund timers and pending deliveries."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        await self.notifier.aclose()
