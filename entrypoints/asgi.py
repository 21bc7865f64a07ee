"""The ASGI application built from the environment, for `paycore serve` and any ASGI server."""

from __future__ import annotations

from litestar import Litestar

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings


def app_from_env() -> Litestar:
    """Settings from the environment → container → app (an ASGI factory: `uvicorn --factory`)."""
    container = build_container(load_settings())

    async def dispose() -> None:
        await container.engine().dispose()

    return create_app(container, on_shutdown=[dispose])
