"""The emulator's Litestar app and its command line (`python -m emulator --port 9100`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import uvicorn
from litestar import Litestar

from emulator.alipay.mount import EMULATOR as ALIPAY
from emulator.provider import EmulatedProvider
from emulator.settings import EmulatorSettings
from emulator.wechat.mount import EMULATOR as WECHAT

# Every emulated provider: one line each (and its import).
EMULATORS: tuple[EmulatedProvider[Any], ...] = (ALIPAY, WECHAT)


def create_emulator_app(settings: EmulatorSettings | None = None,
                        emulated: Sequence[EmulatedProvider[Any]] = EMULATORS) -> Litestar:
    """The emulator as a Litestar app; each provider's state lives in app.state.<its name> (app.state.alipay,
    app.state.wechat)."""
    settings = settings or EmulatorSettings()
    services = [(provider, provider.build(settings)) for provider in emulated]
    app = Litestar(
        route_handlers=[provider.router(service) for provider, service in services],
        on_shutdown=[partial(provider.close, service) for provider, service in services],
    )
    for provider, service in services:
        setattr(app.state, provider.name, service)
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
