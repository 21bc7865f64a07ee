"""paycore and the Alipay emulator, each served by uvicorn on its own loopback port, talking over real HTTP.

Both servers run on the test's event loop: the Alipay SDK works in worker threads, so while paycore waits
for an answer the loop is free to serve the emulator, and the emulator's notifications reach paycore the
way Alipay's would. The emulator's state is in this process too, so a test can set its clock.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar

from adapters.sql.migrate import upgrade_async
from application.records import NotificationRecord, PaymentConfig
from emulator.alipay.service import AlipayEmulator
from emulator.app import create_emulator_app
from emulator.settings import EmulatorSettings
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.conftest import migrated_database
from tests.e2e.conftest import TEST_MASTER_KEYS
from tests.rsa_keys import key_pair

APP_ID = "2021000000000009"
SELLER_ID = "2088000000000009"
LOST_APP_ID = "2021000000000008"  # a second app whose notifications go nowhere (paycore never hears them)
LOST_SELLER_ID = "2088000000000008"
RETRY_DELAYS = (0.2, 0.4, 0.8, 1.6)  # Alipay's 4m, 10m, ... schedule, made seconds


def bound_socket() -> socket.socket:
    """A listening-ready socket on a free loopback port (held, so nobody else takes the port)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    """http://127.0.0.1:PORT of a bound socket."""
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def dead_url() -> str:
    """A URL where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return url_of(sock)


@asynccontextmanager
async def serving(app: Any, sock: socket.socket, start_seconds: float = 10.0) -> AsyncIterator[None]:
    """Serve an ASGI app with uvicorn on sock, on this event loop, until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + start_seconds
    while not server.started:
        if task.done():
            task.result()
            raise AssertionError("uvicorn stopped before it started")
        if time.monotonic() > deadline:
            raise AssertionError(f"uvicorn did not start within {start_seconds}s")
        await asyncio.sleep(0.01)  # polling uvicorn's start flag; bounded by the deadline
    try:
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, start_seconds)


class RecordingApp:
    """An ASGI wrapper that remembers every HTTP path asked of the app (to prove what paycore did not call)."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)  # type: ignore[arg-type]

    def gateway_calls(self) -> int:
        """How many requests reached gateway.do (API calls and cashier page opens)."""
        return self.paths.count("/gateway.do")


@dataclass
class Live:
    """A served paycore and emulator, and what a test needs to drive and inspect them."""

    paycore_url: str
    emulator_url: str
    http: httpx.AsyncClient
    container: Container
    alipay: AlipayEmulator
    emulator: RecordingApp
    config: PaymentConfig
    lost_config: PaymentConfig
    payments_key: str

    def auth(self) -> dict[str, str]:
        """The payments key as a bearer header."""
        return {"Authorization": f"Bearer {self.payments_key}"}

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call paycore's API with the payments key."""
        return await self.http.request(method, f"{self.paycore_url}{path}", headers=self.auth(), **kwargs)

    async def control(self, method: str, path: str, **json: Any) -> Any:
        """Call the emulator's control API; the decoded JSON answer."""
        response = await self.http.request(method, f"{self.emulator_url}/_control/alipay{path}", json=json or None)
        assert response.status_code < 300, response.text
        return response.json()

    async def create(self, order_no: str, total_amount: str = "99.90", **overrides: Any) -> dict[str, Any]:
        """Create an Alipay PC payment through the API; its JSON."""
        body = {"order_no": order_no, "payment_type": "alipay", "pay_method": "pc", "subject": "Thesis polishing",
                "total_amount": total_amount, **overrides}
        response = await self.api("POST", "/v1/payments", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def open_cashier(self, pay_url: str) -> str:
        """The payer opens the pay URL: the emulator's cashier page; the path its Pay form posts to."""
        page = await self.http.get(pay_url)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+/pay)"', page.text)
        assert action is not None, page.text
        return action.group(1)

    async def pay_at_cashier(self, pay_url: str) -> None:
        """The payer opens the pay URL and presses Pay."""
        action = await self.open_cashier(pay_url)
        paid = await self.http.post(f"{self.emulator_url}{action}")
        assert paid.status_code < 400, paid.text

    async def payment(self, order_no: str, sync: bool = False) -> dict[str, Any]:
        """GET /v1/payments/{order_no}, optionally with ?sync=true."""
        response = await self.api("GET", f"/v1/payments/{order_no}", params={"sync": "true"} if sync else None)
        assert response.status_code == 200, response.text
        payment: dict[str, Any] = response.json()
        return payment

    async def events(self, order_no: str) -> list[dict[str, Any]]:
        """The payment's journal."""
        response = await self.api("GET", f"/v1/payments/{order_no}/events")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def wait_for_status(self, order_no: str, status: str, seconds: float = 15.0) -> dict[str, Any]:
        """Poll the payment (without sync) until it reaches status, or fail at the deadline."""
        deadline = time.monotonic() + seconds
        payment = await self.payment(order_no)
        while payment["trade_status"] != status:
            if time.monotonic() > deadline:
                raise AssertionError(f"{order_no} is {payment['trade_status']}, not {status}, after {seconds}s")
            await asyncio.sleep(0.05)  # polling the notification's effect; bounded by the deadline
            payment = await self.payment(order_no)
        return payment

    async def wait_for_attempts(self, order_no: str, count: int, seconds: float = 15.0) -> list[dict[str, Any]]:
        """Poll the emulator's delivery log until it holds count attempts for the order."""
        deadline = time.monotonic() + seconds
        while True:
            attempts: list[dict[str, Any]] = await self.control("GET", f"/notifications?out_trade_no={order_no}")
            if len(attempts) >= count:
                return attempts
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(attempts)} notification attempts for {order_no} after {seconds}s")
            await asyncio.sleep(0.05)  # polling the emulator's notifier; bounded by the deadline

    async def notifications(self, order_no: str) -> list[NotificationRecord]:
        """paycore's raw notification log for the order."""
        async with self.container.uow()() as uow:
            return list(await uow.notifications.for_order(order_no))

    def shift_emulator_clock(self, by: timedelta) -> None:
        """Make the emulator's clock run `by` away from paycore's (a provider's clock is not ours)."""
        clock = self.alipay.clock
        self.alipay.clock = lambda: clock() + by


async def alipay_config(container: Container, emulator_url: str, app_id: str, seller_id: str, app_keys: int,
                        alipay_public_key: str, **fields: Any) -> PaymentConfig:
    """An Alipay config created through the admin use case, as an operator would, pointing at the emulator."""
    keys = key_pair(app_keys)
    view = await container.configs().create(
        {"payment_type": "alipay", "config_name": f"emulated {app_id}", "app_id": app_id, "seller_id": seller_id,
         "private_key": keys.pkcs1_pem, "public_key": keys.public_pem, "alipay_public_key": alipay_public_key,
         "gateway_url": f"{emulator_url}/gateway.do", **fields}, by="e2e")
    return view.config


@asynccontextmanager
async def live_alipay(tmp_path: Path, url: str | None = None, **settings_changes: Any) -> AsyncIterator[Live]:
    """A migrated SQLite database, paycore and the emulator served, two configs registered at both ends."""
    if url is None:  # else a migrated, empty database (PostgreSQL, MySQL)
        url = f"sqlite+aiosqlite:///{tmp_path / 'alipay-e2e.db'}"
        await upgrade_async(url)
    paycore_sock, emulator_sock = bound_socket(), bound_socket()
    paycore_url, emulator_url = url_of(paycore_sock), url_of(emulator_sock)
    emulator_app = create_emulator_app(EmulatorSettings(
        base_url=emulator_url, alipay_private_key_pem=key_pair(1).pkcs1_pem, notify_retry_delays=RETRY_DELAYS,
        notify_timeout=5.0))
    alipay: AlipayEmulator = emulator_app.state.alipay
    settings = Settings(database_url=url, public_url=paycore_url, master_keys=TEST_MASTER_KEYS, provider_timeout=5.0)
    settings = replace(settings, **settings_changes)
    container = build_container(settings)
    config = await alipay_config(container, emulator_url, APP_ID, SELLER_ID, 0, alipay.public_key_pem,
                                 is_default=True)
    lost = await alipay_config(container, emulator_url, LOST_APP_ID, LOST_SELLER_ID, 3, alipay.public_key_pem,
                               notify_url=f"{dead_url()}/nobody/listens")
    payments_key = (await container.api_keys().issue("shop", "payments")).token
    recording = RecordingApp(emulator_app)

    async def dispose() -> None:
        await container.engine().dispose()

    async with (
        serving(recording, emulator_sock),
        serving(create_app(container, on_shutdown=[dispose]), paycore_sock),
        httpx.AsyncClient(timeout=10.0) as http,
    ):
        live = Live(paycore_url, emulator_url, http, container, alipay, recording, config, lost, payments_key)
        for app_id, seller_id, keys in ((APP_ID, SELLER_ID, 0), (LOST_APP_ID, LOST_SELLER_ID, 3)):
            await live.control("POST", "/apps", app_id=app_id, app_public_key=key_pair(keys).public_pem,
                               seller_id=seller_id)
        yield live


SQLITE_AND_POSTGRES = [pytest.param("sqlite", id="sqlite"),
                       pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@asynccontextmanager
async def live_alipay_on(backend: str, tmp_path: Path) -> AsyncIterator[Live]:
    """live_alipay over a backend of SQL_BACKENDS (a fresh migrated database for PostgreSQL or MySQL/MariaDB)."""
    url = None if backend == "sqlite" else await migrated_database(backend, tmp_path)
    async with live_alipay(tmp_path, url) as served:
        yield served
