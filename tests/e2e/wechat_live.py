"""paycore and the WeChat Pay emulator, each served by uvicorn on its own loopback port, talking over real HTTP.

As in `alipay_live`: both servers run on the test's event loop, the WeChat SDK works in worker threads, and
the emulator's callbacks reach paycore at `{public_url}/v1/notify/wechat/{config_id}` the way WeChat's would.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from adapters.sql.migrate import upgrade_async
from adapters.sql.tables import notification_log
from application.records import NotificationRecord, PaymentConfig
from emulator.app import create_emulator_app
from emulator.settings import EmulatorSettings
from emulator.wechat import WeChatEmulator
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.alipay_live import RecordingApp, bound_socket, dead_url, serving, url_of
from tests.e2e.conftest import TEST_MASTER_KEYS
from tests.rsa_keys import key_pair

MCHID, APPID = "1900000109", "wxd678efh567hg6787"
LOST_MCHID, LOST_APPID = "1900000108", "wxd678efh567hg6786"  # a merchant whose callbacks go nowhere
CERT_MCHID = "1900000107"  # a merchant in platform-certificate mode, for tests that register it
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD00000001"
API_V3_KEY = "a3Kf9sZ2xQ7mP4vN8bR1tY6wE0uI5oLc"
PUBLIC_KEY_ID = "PUB_KEY_ID_0114232134912410000000000009"
MERCHANT_KEYS = {MCHID: 0, LOST_MCHID: 2, CERT_MCHID: 3}  # tests.rsa_keys numbers; 1 is WeChat Pay's own key
RETRY_DELAYS = (0.2, 0.4, 0.8)  # WeChat's 15s, 15s, 30s, ... schedule, made short


async def eventually(what: str, probe: Callable[[], Awaitable[Any]], done: Callable[[Any], bool],
                     seconds: float = 15.0) -> Any:
    """Poll probe until done(result), or fail at the deadline with the last result."""
    deadline = time.monotonic() + seconds
    result = await probe()
    while not done(result):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached after {seconds}s; last: {result!r}")
        await asyncio.sleep(0.05)  # polling a callback's effect; bounded by the deadline
        result = await probe()
    return result


@dataclass
class WeChatLive:
    """A served paycore and WeChat emulator, and what a test needs to drive and inspect them."""

    paycore_url: str
    emulator_url: str
    http: httpx.AsyncClient
    container: Container
    wechat: WeChatEmulator
    config: PaymentConfig
    lost_config: PaymentConfig
    payments_key: str
    emulator: RecordingApp  # every path asked of the emulator, to prove what paycore did not call

    def api_calls(self) -> int:
        """How many v3 API calls reached the emulator (the scan page and the control API are not counted)."""
        return sum(path.startswith("/v3/") for path in self.emulator.paths)

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call paycore's API with the payments key."""
        auth = {"Authorization": f"Bearer {self.payments_key}"}
        return await self.http.request(method, f"{self.paycore_url}{path}", headers=auth, **kwargs)

    async def control(self, method: str, path: str, **json: Any) -> Any:
        """Call the emulator's WeChat control API; the decoded JSON answer."""
        response = await self.http.request(method, f"{self.emulator_url}/_control/wechat{path}", json=json or None)
        assert response.status_code < 300, response.text
        return response.json()

    async def create(self, order_no: str, pay_method: str = "native", **overrides: Any) -> dict[str, Any]:
        """Create a WeChat payment through the API; its JSON."""
        body = {"order_no": order_no, "payment_type": "wechat", "pay_method": pay_method,
                "subject": "论文润色 Thesis polishing", "total_amount": "99.90", **overrides}
        response = await self.api("POST", "/v1/payments", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def pay_on_scan_page(self, order_no: str) -> None:
        """The payer scans the code_url (the emulator's scan page) and presses Pay."""
        scan_url = (await self.control("GET", f"/transactions/{order_no}"))["scan_url"]
        page = await self.http.get(scan_url)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+/pay)"', page.text)
        assert action is not None, page.text
        paid = await self.http.post(f"{self.emulator_url}{action.group(1)}")
        assert paid.status_code == 200, paid.text

    async def get(self, path: str) -> dict[str, Any]:
        """GET a paycore resource that must exist."""
        response = await self.api("GET", path)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def payment(self, order_no: str) -> dict[str, Any]:
        """GET /v1/payments/{order_no}."""
        return await self.get(f"/v1/payments/{order_no}")

    async def events(self, order_no: str) -> list[dict[str, Any]]:
        """The payment's journal."""
        items: list[dict[str, Any]] = (await self.get(f"/v1/payments/{order_no}/events"))["items"]
        return items

    async def wait_for_status(self, order_no: str, status: str) -> dict[str, Any]:
        """The payment once it has reached status."""
        payment: dict[str, Any] = await eventually(
            f"{order_no} {status}", lambda: self.payment(order_no), lambda p: p["trade_status"] == status)
        return payment

    async def wait_for_refund_status(self, refund_no: str, status: str) -> dict[str, Any]:
        """The refund once it has reached status."""
        refund: dict[str, Any] = await eventually(
            f"{refund_no} {status}", lambda: self.get(f"/v1/refunds/{refund_no}"),
            lambda r: r["refund_status"] == status)
        return refund

    async def wait_for_callbacks(self, order_no: str, count: int) -> list[dict[str, Any]]:
        """The emulator's delivery log of the order once it holds count attempts."""
        attempts: list[dict[str, Any]] = await eventually(
            f"{count} callbacks of {order_no}", lambda: self.control("GET", f"/callbacks?out_trade_no={order_no}"),
            lambda found: len(found) >= count)
        return attempts

    async def notifications(self) -> list[NotificationRecord]:
        """paycore's whole raw notification log, oldest first (a callback refused on its headers names no order)."""
        async with self.container.engine().connect() as conn:
            rows = (await conn.execute(sa.select(notification_log).order_by(notification_log.c.id))).mappings()
            return [NotificationRecord(r["payment_type"], r["config_id"], r["order_no"], r["outcome"], r["reason"],
                                       r["raw"], r["received_time"]) for r in rows]

    def shift_emulator_clock(self, by: timedelta) -> None:
        """Make the emulator's clock run `by` away from paycore's (WeChat's clock is not ours)."""
        clock = self.wechat.clock
        self.wechat.clock = lambda: clock() + by


async def wechat_config(container: Container, wechat: WeChatEmulator, emulator_url: str, mchid: str, appid: str,
                        **fields: Any) -> PaymentConfig:
    """A public-key-mode WeChat config created through the admin use case, pointing at the emulator."""
    view = await container.configs().create(
        {"payment_type": "wechat", "config_name": f"emulated {mchid}", "app_id": appid, "mch_id": mchid,
         "api_v3_key": API_V3_KEY, "cert_serial_no": MERCHANT_SERIAL,
         "private_key": key_pair(MERCHANT_KEYS[mchid]).pkcs1_pem, "wechat_public_key": wechat.platform.public_key_pem,
         "wechat_public_key_id": wechat.platform.public_key_id, "gateway_url": emulator_url, **fields}, by="e2e")
    return view.config


@asynccontextmanager
async def live_wechat(tmp_path: Path, url: str | None = None, **settings_changes: Any) -> AsyncIterator[WeChatLive]:
    """A migrated SQLite database, paycore and the emulator served, two merchants registered at both ends."""
    if url is None:  # else a migrated, empty database (PostgreSQL, MySQL)
        url = f"sqlite+aiosqlite:///{tmp_path / 'wechat-e2e.db'}"
        await upgrade_async(url)
    paycore_sock, emulator_sock = bound_socket(), bound_socket()
    paycore_url, emulator_url = url_of(paycore_sock), url_of(emulator_sock)
    emulator_app = create_emulator_app(EmulatorSettings(
        base_url=emulator_url, wechat_private_key_pem=key_pair(1).pkcs8_pem, wechat_public_key_id=PUBLIC_KEY_ID,
        wechat_notify_retry_delays=RETRY_DELAYS, wechat_refund_delay=3600.0, notify_timeout=5.0))
    wechat: WeChatEmulator = emulator_app.state.wechat
    settings = Settings(database_url=url, public_url=paycore_url, master_keys=TEST_MASTER_KEYS, provider_timeout=5.0)
    settings = replace(settings, **settings_changes)
    container = build_container(settings)
    config = await wechat_config(container, wechat, emulator_url, MCHID, APPID, is_default=True)
    lost = await wechat_config(container, wechat, emulator_url, LOST_MCHID, LOST_APPID,
                               notify_url=f"{dead_url()}/nobody/listens")
    payments_key = (await container.api_keys().issue("shop", "payments")).token

    async def dispose() -> None:
        await container.engine().dispose()

    async with (
        serving(recording := RecordingApp(emulator_app), emulator_sock),
        serving(create_app(container, on_shutdown=[dispose]), paycore_sock),
        httpx.AsyncClient(timeout=10.0) as http,
    ):
        live = WeChatLive(paycore_url, emulator_url, http, container, wechat, config, lost, payments_key, recording)
        for mchid, appid in ((MCHID, APPID), (LOST_MCHID, LOST_APPID)):
            await live.control("POST", "/merchants", mchid=mchid, appid=appid, merchant_serial_no=MERCHANT_SERIAL,
                               merchant_public_key=key_pair(MERCHANT_KEYS[mchid]).public_pem, api_v3_key=API_V3_KEY)
        yield live
