"""Notifications take turns: one process handles at most NOTIFY_CONCURRENCY at once, the rest wait, so a flood of
forged ones (anyone may post them) cannot take the whole process from the payments API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from application.errors import NotificationRejected
from application.records import RawNotification
from entrypoints.http.app import create_app
from entrypoints.http.notify import NOTIFY_CONCURRENCY
from tests.e2e.conftest import build_env


class Held:
    """The notify use case, holding every notification until released and counting how many it holds at once."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.release, self.full = asyncio.Event(), asyncio.Event()

    async def __call__(self, payment_type: str, config_id: int | None, raw: RawNotification) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        if self.now >= NOTIFY_CONCURRENCY:
            self.full.set()
        try:
            await asyncio.wait_for(self.release.wait(), timeout=10)
        finally:
            self.now -= 1
        raise NotificationRejected("unknown_order", "held by the test")


@dataclass
class Answer:
    """What the app sent back."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


async def post(app: Any, body: bytes, path: str = "/v1/notify/alipay",
               client: tuple[str, int] = ("127.0.0.1", 5000)) -> Answer:
    """One form POST straight through the ASGI app, in this event loop, from a client address; the answer."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/x-www-form-urlencoded"),
                         (b"content-length", str(len(body)).encode())],
             "client": client, "server": ("127.0.0.1", 80)}
    sent = [{"type": "http.request", "body": body, "more_body": False}]
    answer = Answer()

    async def receive() -> dict[str, Any]:
        return sent.pop() if sent else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message["headers"]}
        answer.body += message.get("body", b"")

    await app(scope, receive, send)
    return answer


async def test_a_flood_of_notifications_is_handled_a_few_at_a_time(tmp_path: Path) -> None:
    container, _ = await build_env(tmp_path)
    held = Held()
    container.handle_notification.override(held)
    app = create_app(container)
    try:
        posts = [asyncio.create_task(post(app, b"out_trade_no=T%d" % n)) for n in range(3 * NOTIFY_CONCURRENCY)]
        await asyncio.wait_for(held.full.wait(), timeout=10)
        for _ in range(200):  # turns of this loop, not waits for time: every other post gets as far as it can
            await asyncio.sleep(0)
        assert held.now == NOTIFY_CONCURRENCY
        held.release.set()
        answers = await asyncio.gather(*posts)
    finally:
        await container.engine().dispose()
    assert [a.body for a in answers] == [b"fail"] * (3 * NOTIFY_CONCURRENCY)
    assert held.most == NOTIFY_CONCURRENCY
