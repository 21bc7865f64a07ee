"""Refuse NUL characters at the edge: PostgreSQL cannot store them in text, so they must never get that far."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request

from entrypoints.http.errors import FieldError

# A JSON \u0000 escape not itself escaped (an even number of backslashes before it).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


NOTIFY_PREFIX = "/v1/notify/"
_NUL = ("contains a NUL character, which no field accepts", "含有 NUL 字符，任何字段都不接受")


async def refuse_nul(request: Request[Any, Any, Any]) -> None:
    """A 400 VALIDATION_ERROR for a NUL in the path, the query or the body. Provider notification endpoints are
    left to answer in their provider's protocol (`fail` / a WeChat FAIL): they keep nothing unescaped."""
    if request.url.path.startswith(NOTIFY_PREFIX):
        return
    if "\x00" in request.url.path or b"%00" in request.scope.get("query_string", b""):
        raise FieldError("url", *_NUL)
    if request.method in ("POST", "PUT", "PATCH"):
        body = await request.body()
        if b"\x00" in body or _JSON_NUL.search(body):
            raise FieldError("body", _NUL[0], "请求体" + _NUL[1])
