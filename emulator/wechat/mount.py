"""The WeChat Pay emulator as the emulator app mounts it."""

from __future__ import annotations

from emulator.alipay.signing import generate_private_key, load_private_key
from emulator.provider import EmulatedProvider, load_entries
from emulator.settings import EmulatorSettings
from emulator.wechat import WeChatEmulator, wechat_router
from emulator.wechat import notifier as wechat_notifier
from emulator.wechat.orders import Mode
from emulator.wechat.platform import Platform, new_public_key_id

WECHAT_REFUND_SECONDS = 10.0
MERCHANT_FIELDS = ("mchid", "appid", "merchant_public_key", "merchant_serial_no", "api_v3_key")


def build_wechat(settings: EmulatorSettings) -> WeChatEmulator:
    """The WeChat Pay part, with its keys and the merchants from the merchants file."""
    key = load_private_key(settings.wechat_private_key_pem) if settings.wechat_private_key_pem else None
    certificate_key = settings.wechat_certificate_private_key_pem
    platform = Platform(
        key or generate_private_key(), settings.wechat_public_key_id or new_public_key_id(),
        load_private_key(certificate_key) if certificate_key else None,
    )
    delays = wechat_notifier.retry_delays(settings.notify_time_scale, settings.wechat_notify_retry_delays)
    refund_delay = settings.wechat_refund_delay
    if refund_delay is None:
        refund_delay = WECHAT_REFUND_SECONDS * settings.notify_time_scale
    notifier = wechat_notifier.Notifier(delays, timeout=settings.notify_timeout)
    wechat = WeChatEmulator(platform, settings.base_url, notifier, refund_delay)
    if settings.wechat_merchants_file is not None:
        for m in load_entries(settings.wechat_merchants_file, "merchants", MERCHANT_FIELDS):
            wechat.register_merchant(
                m["mchid"], m["appid"], m["merchant_public_key"], m["merchant_serial_no"], m["api_v3_key"],
                Mode(m.get("mode", Mode.PUBLIC_KEY)),
            )
    return wechat


async def _close(wechat: WeChatEmulator) -> None:
    await wechat.aclose()


EMULATOR = EmulatedProvider("wechat", build_wechat, wechat_router, _close)
