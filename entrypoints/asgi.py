"""The ASGI application built from the environment, for `paycore serve` and any ASGI server."""

from __future__ import annotations

import os

from litestar import Litestar

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings
from entrypoints.worker import run_with_app

# "0" keeps the background jobs out of this process (`paycore serve --no-worker`, or --workers N > 1:
# then run `paycore worker` beside the API processes).
IN_PROCESS_WORKER = "PAYCORE_IN_PROCESS_WORKER"


def app_from_env() -> Litestar:
    """Settings from the environment → container → app (an ASGI factory: `uvicorn --factory`)."""
    container = build_container(load_settings())

    async def dispose() -> None:
        await container.engine().dispose()

    app = create_app(container, on_shutdown=[dispose])
    if os.environ.get(IN_PROCESS_WORKER, "1") != "0":
        run_with_app(app, container)
    return app
