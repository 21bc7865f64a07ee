"""Real HTTP servers for emulator tests: the emulator and a merchant's notification receiver on free ports."""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from litestar import Litestar, Request, Response, post


def listening_socket() -> socket.socket:
    """A socket already listening on a free 127.0.0.1 port: clients queue until the server starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    """http://127.0.0.1:PORT for a bound socket."""
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def serve(app: Any, sock: socket.socket) -> AsyncIterator[str]:
    """Serve app with uvicorn on sock in this event loop; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()


class Receiver:
    """A merchant's notify_url: records every form it gets and answers from a script."""

    def __init__(self, answers: Iterable[str] = (), default: str = "success") -> None:
        self.forms: list[dict[str, str]] = []
        self.answers = deque(answers)
        self.default = default
        self._changed = asyncio.Condition()
        self.url = ""

    def app(self) -> Litestar:
        """The receiver as a Litestar app with POST /notify."""

        @post("/notify", status_code=200)
        async def notify(request: Request[Any, Any, Any]) -> Response[str]:
            form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
            answer = self.answers.popleft() if self.answers else self.default
            async with self._changed:
                self.forms.append(form)
                self._changed.notify_all()
            return Response(answer, media_type="text/plain", status_code=200)

        return Litestar(route_handlers=[notify])

    async def wait_for(self, count: int, within: float = 5.0) -> list[dict[str, str]]:
        """The first count forms, waiting up to `within` seconds for them to arrive."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.forms) >= count), within)
        return self.forms[:count]


@asynccontextmanager
async def receiving(answers: Iterable[str] = (), default: str = "success") -> AsyncIterator[Receiver]:
    """A running Receiver; its notify URL is receiver.url."""
    receiver = Receiver(answers, default)
    sock = listening_socket()
    async with serve(receiver.app(), sock) as base:
        receiver.url = f"{base}/notify"
        yield receiver
