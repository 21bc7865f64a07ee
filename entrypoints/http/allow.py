"""`Allow` on OPTIONS answers lists every method of the path: Litestar's automatic OPTIONS handler only knows the
handlers of its own controller, so a path served by two (GET and POST of /v1/payments) would list one."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

STATE_KEY = "allowed_methods"


def remember_methods(app: Litestar) -> None:
    """Every HTTP path template and its methods, kept in the app state (an on_startup hook)."""
    app.state[STATE_KEY] = {route.path_format: ", ".join(sorted(route.methods))
                            for route in app.routes if isinstance(route, HTTPRoute)}


async def complete_allow(message: Message, scope: Scope) -> None:
    """A before_send hook: on a successful OPTIONS answer, the path's whole method list."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS" or message["status"] >= 300:
        return
    methods = scope["litestar_app"].state.get(STATE_KEY, {}).get(str(scope.get("path_template", "")))
    if methods:
        MutableScopeHeaders.from_message(message)["allow"] = methods
