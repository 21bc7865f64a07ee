"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from importlib.metadata import version
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from adapters.sql.engine import ping as ping_engine
from entrypoints.container import Container
from entrypoints.http.admin import ApiKeyController, payment_config_controller
from entrypoints.http.admin_refunds import ADMIN_REFUND_HANDLERS
from entrypoints.http.allow import complete_allow, remember_methods
from entrypoints.http.anomalies import AnomalyController
from entrypoints.http.background_runs import BackgroundRuns
from entrypoints.http.cashier import cashier, cashier_choose, cashier_status
from entrypoints.http.config_schemas import ConfigShapes
from entrypoints.http.deliveries import WebhookDeliveryController
from entrypoints.http.docs_pages import landing, render_plugins, static_files
from entrypoints.http.errors import EXCEPTION_HANDLERS
from entrypoints.http.exact_json import ExactJsonRequest
from entrypoints.http.notify import notify_handlers, over_budget
from entrypoints.http.notify_refusals import OVER_BUDGET, notify_refusal_middleware
from entrypoints.http.nul_guard import refuse_nul
from entrypoints.http.openapi_document import install as refine_openapi
from entrypoints.http.ops import health, metrics, ready, timing_middleware
from entrypoints.http.provider_shapes import payment_controller
from entrypoints.http.rate_limits import STORE, rate_limit_middleware, rate_limit_store
from entrypoints.http.reconciliations import (
    DiscrepancyController,
    ReconciliationController,
    drain_runs,
    fail_stale_runs,
)
from entrypoints.http.request_id import add_request_id_header, request_id_middleware
from entrypoints.http.webhook_secrets import rotate_webhook_secret

USE_CASES = ("create_payment", "start_attempt", "close_payment", "refund_payment", "sync_payment", "sync_refund",
             "queries", "api_keys", "configs", "webhook_deliveries", "stale_refunds", "resend_refund",
             "list_anomalies",
             "reconcile", "reconciliations")


def _provide(container: Container, name: str) -> Provide:
    provider = getattr(container, name)
    return Provide(lambda: provider(), sync_to_thread=False)


def create_app(container: Container, ping: Callable[[], Awaitable[bool]] | None = None,
               on_shutdown: list[Callable[[], Awaitable[Any]]] | None = None,
               background: BackgroundRuns | None = None) -> Litestar:
    """The HTTP API wired to a container. `ping` answers /ready (default: the database). The reconciliation runs
    started in `background` are waited for (bounded) at shutdown, before the `on_shutdown` hooks."""

    async def default_ping() -> bool:
        result: bool = await ping_engine(container.engine())
        return result

    settings = container.settings()
    adapters = container.provider_adapters()
    notify = {p.payment_type.value: p.notify for p in adapters}
    configs = payment_config_controller(ConfigShapes(adapters))
    return Litestar(
        route_handlers=[payment_controller(adapters), ApiKeyController, configs, health, ready, metrics, cashier,
                        cashier_status, cashier_choose, *notify_handlers(notify), WebhookDeliveryController,
                        rotate_webhook_secret, *ADMIN_REFUND_HANDLERS, AnomalyController, landing, static_files(),
                        ReconciliationController, DiscrepancyController],
        dependencies={name: _provide(container, name) for name in USE_CASES},
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"container": container, "ping": ping or default_ping, "metrics": container.metrics(),
                     "background_runs": background or BackgroundRuns(), OVER_BUDGET: partial(over_budget, notify)}),
        middleware=[request_id_middleware, timing_middleware, *rate_limit_middleware(settings.failed_auth_per_minute,
                                                              settings.rate_limit_per_key),
                    *notify_refusal_middleware(settings.notify_refusals_per_minute)],
        stores={STORE: rate_limit_store(settings.redis_url)},
        openapi_config=OpenAPIConfig(title="paycore", version=version("paycore"), path="/schema",
                                     use_handler_docstrings=True, render_plugins=render_plugins()),
        on_startup=[refine_openapi, remember_methods, fail_stale_runs],
        on_shutdown=[drain_runs, *(on_shutdown or [])],
        request_max_body_size=1_048_576,
        request_class=ExactJsonRequest,
        before_request=refuse_nul,
        before_send=[add_request_id_header, complete_allow],
        on_app_init=[_no_debug],
        logging_config=None,  # configure_logging owns the handlers; Litestar's would replace them, filter and all
    )


def _no_debug(config: AppConfig) -> AppConfig:
    config.debug = False
    return config
