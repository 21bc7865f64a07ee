"""A business system's webhook endpoint for tests: a tiny Litestar app under uvicorn on a free port."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, post


@dataclass(frozen=True)
class Received:
    """One request the receiver got, raw."""

    body: bytes
    headers: dict[str, str]  # names in lower case
    at: float  # time.time() on arrival

    def json(self) -> Any:
        """The body, decoded."""
        return json.loads(self.body)


class Receiver:
    """POST /hook: records every request and answers the scripted statuses, then `default`."""

    def __init__(self, statuses: Iterable[int] = (), default: int = 200, delay: float = 0.0) -> None:
        self.requests: list[Received] = []
        self.statuses = deque(statuses)
        self.default = default
        self.delay = delay  # seconds to take over each answer (keeps deliveries in flight)
        self.url = ""

    def app(self) -> Litestar:
        """The receiver as a Litestar app."""

        @post("/hook", status_code=200)
        async def hook(request: Request[Any, Any, Any]) -> Response[str]:
            body = await request.body()
            self.requests.append(Received(body, {k.lower(): v for k, v in request.headers.items()}, time.time()))
            status = self.statuses.popleft() if self.statuses else self.default
            if self.delay:
                await asyncio.sleep(self.delay)
            return Response("ok" if status < 300 else "receiver says no " + "x" * 300, status_code=status,
                            media_type="text/plain")

        return Litestar(route_handlers=[hook])

    async def wait_for(self, count: int, within: float = 10.0) -> list[Received]:
        """The first `count` requests, polling until they came or the deadline passed."""
        deadline = time.monotonic() + within
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"got {len(self.requests)} webhook(s) of {count} in {within} s"
            await asyncio.sleep(0.02)
        return self.requests[:count]


@asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[Receiver]:
    """Serve the receiver in this event loop on a free loopback port; its `url` is set to POST /hook."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    server = uvicorn.Server(uvicorn.Config(receiver.app(), log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield receiver
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()
