"""Bearer API keys with scopes, as a Litestar guard."""

from __future__ import annotations

from typing import Any

from litestar import Controller
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from application.api_keys import ApiKeys
from application.ports.storage import UnitOfWork
from application.records import ApiKey

KEEPS_UNIT_OF_WORK = "keeps_unit_of_work"  # a handler option: see require_scope
_HELD = "paycore.unit_of_work"  # the scope key of the guard's open unit of work


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def require_scope(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Let the request through only with a live key whose scope covers the handler's `opt["scope"]`.

    A handler with `opt[KEEPS_UNIT_OF_WORK]` gets the unit of work the key was read in, still open, for its use
    case to go on with (`take_unit_of_work`); `end_unit_of_work`, the handler's middleware, ends it if the
    request never got that far (a refused key or body), so no pooled connection outlives its request.
    """
    container = connection.app.state.container
    api_keys: ApiKeys = container.api_keys()
    token, uow = bearer_token(connection), None
    if token is not None and handler.opt.get(KEEPS_UNIT_OF_WORK):
        uow = container.uow()()
        await uow.__aenter__()
        connection.scope[_HELD] = uow  # type: ignore[literal-required]
    connection.state.api_key = await api_keys.authenticate(token, handler.opt.get("scope", "admin"), uow)


def take_unit_of_work(connection: ASGIConnection[Any, Any, Any, Any]) -> UnitOfWork | None:
    """The open unit of work the guard read the key in, now the caller's to end; None if it opened none."""
    uow: UnitOfWork | None = connection.scope.pop(_HELD, None)  # type: ignore[misc]
    return uow


def end_unit_of_work(app: ASGIApp) -> ASGIApp:
    """A handler's middleware: ends the unit of work its guard opened, if nothing took it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        finally:
            uow: UnitOfWork | None = scope.pop(_HELD, None)  # type: ignore[misc]
            if uow is not None:
                await uow.__aexit__(None, None, None)

    return middleware


def current_key(connection: ASGIConnection[Any, Any, Any, Any]) -> ApiKey:
    """The key the guard authenticated."""
    key: ApiKey = connection.state.api_key
    return key


class AdminController(Controller):
    """The base of every admin controller: an admin key required (`require_scope`), tagged `admin` in OpenAPI."""

    guards = [require_scope]  # noqa: RUF012 - Litestar reads this class attribute
    opt = {"scope": "admin"}  # noqa: RUF012
    tags = ["admin"]  # noqa: RUF012
