"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from adapters.sql.engine import ping as ping_engine
from entrypoints.container import Container
from entrypoints.http.admin import ApiKeyController, PaymentConfigController
from entrypoints.http.cashier import cashier, cashier_status
from entrypoints.http.deliveries import WebhookDeliveryController
from entrypoints.http.errors import EXCEPTION_HANDLERS
from entrypoints.http.exact_json import ExactJsonRequest
from entrypoints.http.notify import NOTIFY_HANDLERS
from entrypoints.http.nul_guard import refuse_nul
from entrypoints.http.ops import health, metrics, ready, timing_middleware
from entrypoints.http.payments import PaymentController
from entrypoints.metrics import Metrics

USE_CASES = ("create_payment", "close_payment", "refund_payment", "sync_payment", "sync_refund", "queries",
             "api_keys", "configs", "webhook_deliveries")


def _provide(container: Container, name: str) -> Provide:
    provider = getattr(container, name)
    return Provide(lambda: provider(), sync_to_thread=False)


def create_app(container: Container, ping: Callable[[], Awaitable[bool]] | None = None,
               on_shutdown: list[Callable[[], Awaitable[Any]]] | None = None) -> Litestar:
    """The HTTP API wired to a container. `ping` answers /ready (default: the database)."""

    async def default_ping() -> bool:
        result: bool = await ping_engine(container.engine())
        return result

    return Litestar(
        route_handlers=[PaymentController, ApiKeyController, PaymentConfigController, health, ready, metrics,
                        cashier, cashier_status, *NOTIFY_HANDLERS, WebhookDeliveryController],
        dependencies={name: _provide(container, name) for name in USE_CASES},
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"container": container, "ping": ping or default_ping, "metrics": Metrics()}),
        middleware=[timing_middleware],
        openapi_config=OpenAPIConfig(title="paycore", version="1.0.0", path="/schema"),
        on_shutdown=on_shutdown or [],
        request_max_body_size=1_048_576,
        request_class=ExactJsonRequest,
        before_request=refuse_nul,
        on_app_init=[_no_debug],
        logging_config=None,  # configure_logging owns the handlers; Litestar's would replace them, filter and all
    )


def _no_debug(config: AppConfig) -> AppConfig:
    config.debug = False
    return config
