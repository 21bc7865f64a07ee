"""Bearer API keys with scopes, as a Litestar guard."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from application.api_keys import ApiKeys
from application.records import ApiKey


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def require_scope(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Let the request through only with a live key whose scope covers the handler's `opt["scope"]`."""
    api_keys: ApiKeys = connection.app.state.container.api_keys()
    key = await api_keys.authenticate(bearer_token(connection), handler.opt.get("scope", "admin"))
    connection.state.api_key = key


def current_key(connection: ASGIConnection[Any, Any, Any, Any]) -> ApiKey:
    """The key the guard authenticated."""
    key: ApiKey = connection.state.api_key
    return key
