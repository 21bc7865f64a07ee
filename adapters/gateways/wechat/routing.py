"""Routing a WeChat Pay callback to its payment: the serial names the key, the key finds the configs that trust
it (one merchant's appids usually share one), the first of their distinct keys that opens it reveals the order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from adapters.gateways.wechat.callbacks import check_headers
from adapters.gateways.wechat.gateway import WeChatGateway
from adapters.gateways.wechat.sdk import utc_now
from application.errors import NotificationRejected
from application.ports.providers import Gateway
from application.records import NotificationRoute, PaymentConfig, RawNotification


def serial_ids(serial: str) -> tuple[str, ...]:
    """The ids a serial is indexed under: as sent, and a certificate serial also as canonical upper-case hex."""
    ids = [serial]
    if serial and len(serial) <= 64 and all(c in "0123456789abcdefABCDEF" for c in serial):
        ids.append(format(int(serial, 16), "X"))
    return tuple(dict.fromkeys(ids))


class WeChatNotificationRouter:
    """NotificationRouter for WeChat Pay v3 callbacks (the order is inside the encrypted resource)."""

    def __init__(self, gateway_for: Callable[[PaymentConfig], Gateway],
                 now: Callable[[], datetime] = utc_now) -> None:
        self._gateway_for, self._now = gateway_for, now

    def route(self, raw: RawNotification) -> NotificationRoute:
        """Headers, signature type, probe and timestamp window checked first; the serial's index ids."""
        return NotificationRoute(key_ids=serial_ids(check_headers(raw.headers, self._now())))

    async def order_of(self, raw: RawNotification, candidates: Sequence[PaymentConfig]) -> str:
        """The out_trade_no inside, from the first candidate whose keys verify and decrypt the callback."""
        serial = raw.headers.get("wechatpay-serial", "")
        tried: set[tuple[int, bytes]] = set()
        refusal: NotificationRejected | None = None
        for config in candidates:
            gateway = self._gateway_for(config)
            if not isinstance(gateway, WeChatGateway):
                continue
            identity = gateway.callback_identity(serial)
            if identity is None or identity in tried:
                continue
            tried.add(identity)
            try:
                notice = gateway.open_callback(raw)
            except NotificationRejected as e:
                refusal = e
                continue
            order_no = notice.resource.get("out_trade_no")
            if not isinstance(order_no, str) or not order_no:
                raise NotificationRejected("malformed", "the callback resource names no out_trade_no")
            return order_no
        raise refusal or NotificationRejected("unknown_serial", f"no config trusts serial {serial[:64]!r} now")
