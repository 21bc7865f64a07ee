"""X-Request-ID: every response carries one (the request's own when it sent a usable one), and every log line
written while the request is handled names it."""

from __future__ import annotations

import re
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.logs import REQUEST_ID

HEADER = "x-request-id"
SCOPE_KEY = "paycore.request_id"
_USABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # what may travel into logs and headers unescaped


def request_id_of(scope: Scope) -> str:
    """The request's id: the one it sent if usable, else a new one; the same for the whole request."""
    found = scope.get(SCOPE_KEY)
    if isinstance(found, str):
        return found
    sent = next((value.decode("latin-1") for name, value in scope.get("headers", []) if name == HEADER.encode()), "")
    chosen = sent if _USABLE.fullmatch(sent) else uuid.uuid4().hex
    scope[SCOPE_KEY] = chosen  # type: ignore[literal-required]
    return chosen


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Binds the request id to the log context while a routed request is handled."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if str(scope["type"]) != "http":
            await app(scope, receive, send)
            return
        token = REQUEST_ID.set(request_id_of(scope))
        try:
            await app(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)

    return middleware


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """A before_send hook: every HTTP response, unrouted ones included, carries X-Request-ID."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders(message)["X-Request-ID"] = request_id_of(scope)
