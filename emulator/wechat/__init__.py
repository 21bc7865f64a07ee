"""The offline WeChat Pay v3: the API at the root, the scan-to-pay page, callbacks and a control API."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from emulator.wechat import api, scan
from emulator.wechat.control import control_router
from emulator.wechat.service import WeChatEmulator

__all__ = ["WeChatEmulator", "wechat_router"]


def wechat_router(wechat: WeChatEmulator) -> Router:
    """Every WeChat route, with this emulator injected as `wechat`."""

    def provide() -> WeChatEmulator:
        return wechat

    return Router(
        path="/",
        route_handlers=[api.api, scan.show, scan.show_h5, scan.pay, scan.cancel, control_router()],
        dependencies={"wechat": Provide(provide, sync_to_thread=False)},
    )
