"""The Alipay emulator as the emulator app mounts it."""

from __future__ import annotations

from pathlib import Path

from emulator.alipay import AlipayEmulator, alipay_router
from emulator.alipay.notifier import Notifier, retry_delays
from emulator.alipay.signing import generate_private_key, load_private_key
from emulator.provider import EmulatedProvider, load_entries
from emulator.settings import EmulatorSettings


def build_alipay(settings: EmulatorSettings) -> AlipayEmulator:
    """The Alipay part, with its key and the apps from the apps file."""
    key = (
        load_private_key(settings.alipay_private_key_pem)
        if settings.alipay_private_key_pem
        else generate_private_key()
    )
    notifier = Notifier(
        retry_delays(settings.notify_time_scale, settings.notify_retry_delays), timeout=settings.notify_timeout
    )
    alipay = AlipayEmulator(key, settings.base_url, notifier)
    if settings.alipay_apps_file is not None:
        for app in load_apps(settings.alipay_apps_file):
            alipay.register_app(app["app_id"], app["app_public_key"], app.get("seller_id", ""))
    return alipay


def load_apps(path: Path) -> list[dict[str, str]]:
    """Apps from a JSON file: a list, or {"apps": [...]}."""
    try:
        return load_entries(path, "apps", ("app_id",))
    except ValueError as e:
        raise ValueError(f"{path}: expected a list of apps with app_id and app_public_key") from e


async def _close(alipay: AlipayEmulator) -> None:
    await alipay.notifier.aclose()


EMULATOR = EmulatedProvider("alipay", build_alipay, alipay_router, _close)
