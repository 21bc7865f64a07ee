"""The emulator's Litestar app and its command line (`python -m emulator --port 9100`)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from litestar import Litestar

from emulator.alipay import AlipayEmulator, alipay_router
from emulator.alipay.notifier import Notifier, retry_delays
from emulator.alipay.signing import generate_private_key, load_private_key
from emulator.settings import EmulatorSettings
from emulator.wechat import WeChatEmulator, wechat_router
from emulator.wechat import notifier as wechat_notifier
from emulator.wechat.orders import Mode
from emulator.wechat.platform import Platform, new_public_key_id

WECHAT_REFUND_SECONDS = 10.0
MERCHANT_FIELDS = ("mchid", "appid", "merchant_public_key", "merchant_serial_no", "api_v3_key")


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


def load_entries(path: Path, key: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Entries from a JSON file: a list, or {key: [...]}, each with the required fields."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data.get(key, []) if isinstance(data, dict) else data
    if not isinstance(entries, list) or not all(isinstance(e, dict) and set(required) <= e.keys() for e in entries):
        raise ValueError(f"{path}: expected a list of {key} with {', '.join(required)}")
    return [{k: str(v) for k, v in entry.items()} for entry in entries]


def load_apps(path: Path) -> list[dict[str, str]]:
    """Apps from a JSON file: a list, or {"apps": [...]}."""
    try:
        return load_entries(path, "apps", ("app_id",))
    except ValueError as e:
        raise ValueError(f"{path}: expected a list of apps with app_id and app_public_key") from e


def create_emulator_app(settings: EmulatorSettings | None = None) -> Litestar:
    """The emulator as a Litestar app; the providers' state lives in app.state.alipay and app.state.wechat."""
    settings = settings or EmulatorSettings()
    alipay, wechat = build_alipay(settings), build_wechat(settings)
    app = Litestar(
        route_handlers=[alipay_router(alipay), wechat_router(wechat)],
        on_shutdown=[alipay.notifier.aclose, wechat.aclose],
    )
    app.state.alipay = alipay
    app.state.wechat = wechat
    return app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="emulator", description="An offline Alipay and WeChat Pay v3.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--base-url", help="public URL of the emulator (default http://HOST:PORT)")
    parser.add_argument("--alipay-private-key", type=Path, help="PEM file of Alipay's private key")
    parser.add_argument("--alipay-apps", type=Path, help="JSON file of merchant apps to register")
    parser.add_argument("--wechat-private-key", type=Path, help="PEM file of WeChat Pay's public-key-mode key")
    parser.add_argument("--wechat-public-key-id", help="id of that key, e.g. PUB_KEY_ID_0114232134912410000000000001")
    parser.add_argument("--wechat-merchants", type=Path, help="JSON file of WeChat merchants to register")
    parser.add_argument("--time-scale", type=float, default=1.0, help="retry schedules and refund delay multiplier")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> EmulatorSettings:
    """Settings from parsed arguments."""
    key_file: Path | None = args.alipay_private_key
    wechat_key_file: Path | None = args.wechat_private_key
    return EmulatorSettings(
        base_url=args.base_url or f"http://{args.host}:{args.port}",
        alipay_private_key_pem=key_file.read_text(encoding="utf-8") if key_file else None,
        alipay_apps_file=args.alipay_apps,
        notify_time_scale=args.time_scale,
        wechat_private_key_pem=wechat_key_file.read_text(encoding="utf-8") if wechat_key_file else None,
        wechat_public_key_id=args.wechat_public_key_id,
        wechat_merchants_file=args.wechat_merchants,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the emulator until interrupted."""
    args = parse_args(argv)
    uvicorn.run(create_emulator_app(settings_from(args)), host=args.host, port=args.port)
