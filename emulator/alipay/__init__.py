"""The offline Alipay: gateway.do, the cashier, bills, notifications and a control API."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from emulator.alipay import bills, cashier, gateway, precreate
from emulator.alipay.control import control_router
from emulator.alipay.service import AlipayEmulator

__all__ = ["AlipayEmulator", "alipay_router"]


def alipay_router(alipay: AlipayEmulator) -> Router:
    """Every Alipay route, with this emulator injected as `alipay`."""

    def provide() -> AlipayEmulator:
        return alipay

    return Router(
        path="/",
        route_handlers=[gateway.gateway, cashier.show, cashier.pay, cashier.cancel, precreate.scan, bills.download,
                        control_router()],
        dependencies={"alipay": Provide(provide, sync_to_thread=False)},
    )
