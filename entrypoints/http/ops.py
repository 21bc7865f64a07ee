"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, Response, get
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from application.errors import StorageUnavailable
from application.refund_attention import StaleRefunds
from entrypoints.http.schemas import Health


@get("/health", tags=["operations"])
async def health() -> Health:
    """200 while the process runs."""
    return Health("ok")


@get("/ready", tags=["operations"])
async def ready(request: Request[Any, Any, Any]) -> Response[Health]:
    """200 when the database answers, else 503."""
    ok: bool = await request.app.state.ping()
    return Response(Health("ok" if ok else "unavailable"), status_code=200 if ok else 503)


@get("/metrics", tags=["operations"], media_type="text/plain; version=0.0.4")
async def metrics(request: Request[Any, Any, Any]) -> str:
    """Prometheus text: requests, notifications, payments."""
    text: str = request.app.state.metrics.render()
    return text + await refund_attention_gauge(request.app.state.container.stale_refunds())


async def refund_attention_gauge(stale: StaleRefunds) -> str:
    """Refunds unsettled past PAYCORE_REFUND_ATTENTION_HOURS, counted in the database (so across processes)."""
    name = "paycore_refunds_needing_attention"
    try:
        count = await stale.count_stale()
    except StorageUnavailable:
        return ""
    return (f"# HELP {name} refunds still PROCESSING past PAYCORE_REFUND_ATTENTION_HOURS\n"
            f"# TYPE {name} gauge\n{name} {count}\n")


def timing_middleware(app: ASGIApp) -> ASGIApp:
    """Counts every routed HTTP request by its route template and status, with its latency (a request no route
    matches never reaches app middleware: the error handler counts it as route "unmatched")."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if str(scope["type"]) != "http":
            await app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, capture)
        finally:
            route = str(scope.get("path_template") or "unmatched")  # the template: /v1/payments/{order_no}
            method = str(scope.get("method", "GET"))
            scope["app"].state.metrics.observe_request(route, method, status, time.perf_counter() - started)

    return middleware
