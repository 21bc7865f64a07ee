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
    data = json.loads(path.read_text(encoding="utf-8"))
    apps = data.get("apps", []) if isinstance(data, dict) else data
    if not isinstance(apps, list) or not all(isinstance(a, dict) and "app_id" in a for a in apps):
        raise ValueError(f"{path}: expected a list of apps with app_id and app_public_key")
    return [{k: str(v) for k, v in app.items()} for app in apps]


def create_emulator_app(settings: EmulatorSettings | None = None) -> Litestar:
    """The emulator as a Litestar app; the Alipay state lives in app.state.alipay."""
    alipay = build_alipay(settings or EmulatorSettings())
    app = Litestar(route_handlers=[alipay_router(alipay)], on_shutdown=[alipay.notifier.aclose])
    app.state.alipay = alipay
    return app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="emulator", description="An offline Alipay (and later WeChat Pay).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--base-url", help="public URL of the emulator (default http://HOST:PORT)")
    parser.add_argument("--alipay-private-key", type=Path, help="PEM file of Alipay's private key")
    parser.add_argument("--alipay-apps", type=Path, help="JSON file of merchant apps to register")
    parser.add_argument("--time-scale", type=float, default=1.0, help="notification retry schedule multiplier")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> EmulatorSettings:
    """Settings from parsed arguments."""
    key_file: Path | None = args.alipay_private_key
    return EmulatorSettings(
        base_url=args.base_url or f"http://{args.host}:{args.port}",
        alipay_private_key_pem=key_file.read_text(encoding="utf-8") if key_file else None,
        alipay_apps_file=args.alipay_apps,
        notify_time_scale=args.time_scale,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the emulator until interrupted."""
    args = parse_args(argv)
    uvicorn.run(create_emulator_app(settings_from(args)), host=args.host, port=args.port)
