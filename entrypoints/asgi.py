"""The ASGI application built from the environment, for `paycore serve` and any ASGI server."""

from __future__ import annotations

import os

from litestar import Litestar

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings
from entrypoints.worker import build_worker

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
        worker = build_worker(container, app.state.metrics)

        async def start_worker() -> None:  # no parameters: Litestar passes the app to hooks that take one
            await worker.start()

        async def stop_worker() -> None:
            await worker.stop()

        app.on_startup.append(start_worker)
        app.on_shutdown.insert(0, stop_worker)  # before the engine goes
    return app
