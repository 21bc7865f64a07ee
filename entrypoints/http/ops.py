"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

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
