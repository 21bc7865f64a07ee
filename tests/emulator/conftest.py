"""Fixtures: a running emulator with one registered merchant app, the official SDK aimed at it, receivers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from alipay.aop.api.request.AlipayTradePagePayRequest import AlipayTradePagePayRequest as PagePay
from alipay.aop.api.request.AlipayTradeWapPayRequest import AlipayTradeWapPayRequest as WapPay

from emulator.alipay import AlipayEmulator
from emulator.app import create_emulator_app
from emulator.settings import EmulatorSettings
from tests.emulator import sdk
from tests.emulator.harness import Receiver, listening_socket, receiving, serve, url_of
from tests.emulator.wechat_env import CallbackReceiver, WeChatEnv, receiving_callbacks, running_wechat
from tests.rsa_keys import KeyPair, key_pair

APP_ID = "2021000000001234"
SELLER_ID = "2088101122136241"
FAST_SETTINGS = EmulatorSettings(notify_time_scale=0.0005)


@dataclass
class Emulator:
    """A running emulator, its state, an HTTP client for it, and the merchant app registered on it."""

    url: str
    alipay: AlipayEmulator
    http: httpx.AsyncClient
    merchant: KeyPair
    alipay_public_key: str

    @property
    def gateway(self) -> str:
        """The gateway URL merchants configure."""
        return f"{self.url}/gateway.do"

    def sdk(self, app_id: str = APP_ID, merchant: KeyPair | None = None, charset: str = "utf-8") -> Any:
        """The official SDK client of the merchant app."""
        key = (merchant or self.merchant).pkcs1_pem
        return sdk.client(self.gateway, app_id, key, self.alipay_public_key, charset)

    async def execute(self, request_class: Any, biz: dict[str, Any]) -> dict[str, Any]:
        """One API call through the SDK, response signature verified by the SDK."""
        return await sdk.execute(self.sdk(), sdk.request(request_class, biz))

    def pay_url(self, out_trade_no: str, amount: str = "0.10", notify_url: str = "", return_url: str = "",
                time_expire: str = "", wap: bool = False) -> str:
        """The SDK's GET page-pay (or WAP) URL for a new order."""
        request_class, code = (WapPay, "QUICK_WAP_WAY") if wap else (PagePay, "FAST_INSTANT_TRADE_PAY")
        biz = {"out_trade_no": out_trade_no, "total_amount": amount, "subject": "测试商品 Test", "product_code": code}
        if time_expire:
            biz["time_expire"] = time_expire
        request = sdk.request(request_class, biz, notify_url, return_url)
        url: str = self.sdk().page_execute(request, http_method="GET")
        return url

    async def open_trade(self, out_trade_no: str, amount: str = "0.10", notify_url: str = "",
                         return_url: str = "", time_expire: str = "", wap: bool = False) -> httpx.Response:
        """Open the page-pay URL as a browser would: the trade now exists, waiting for the buyer."""
        url = await asyncio.to_thread(self.pay_url, out_trade_no, amount, notify_url, return_url, time_expire, wap)
        return await self.http.get(url)

    async def paid_trade(self, out_trade_no: str, amount: str = "0.10", notify_url: str = "") -> dict[str, Any]:
        """A trade opened and paid through the control API."""
        await self.open_trade(out_trade_no, amount, notify_url)
        response = await self.http.post(f"/_control/alipay/trades/{out_trade_no}/pay")
        assert response.status_code == 200, response.text
        paid: dict[str, Any] = response.json()
        return paid


@asynccontextmanager
async def running_emulator(settings: EmulatorSettings = FAST_SETTINGS) -> AsyncIterator[Emulator]:
    """An emulator on a free port with Alipay's test key and the merchant app registered over HTTP."""
    sock = listening_socket()
    alipay_key = key_pair(1)
    settings = replace(settings, base_url=url_of(sock), alipay_private_key_pem=alipay_key.pkcs8_pem)
    app = create_emulator_app(settings)
    async with serve(app, sock) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        merchant = key_pair(0)
        registered = await http.post(
            "/_control/alipay/apps",
            json={"app_id": APP_ID, "app_public_key": merchant.public_base64, "seller_id": SELLER_ID},
        )
        assert registered.status_code == 201, registered.text
        yield Emulator(url, app.state.alipay, http, merchant, alipay_key.public_pem)


@pytest.fixture(autouse=True)
def _sdk_dials_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("alipay.aop.api.DefaultAlipayClient.do_post", sdk.port_honouring_do_post)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A running emulator whose notification retries take well under a second."""
    async with running_emulator() as running:
        yield running


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A merchant notify_url that answers success."""
    async with receiving() as running:
        yield running


@pytest.fixture
async def wechat() -> AsyncIterator[WeChatEnv]:
    """A running emulator with the WeChat merchant registered in public-key mode; fast retries and refunds."""
    async with running_wechat() as running:
        yield running


@pytest.fixture
async def callbacks() -> AsyncIterator[CallbackReceiver]:
    """A merchant notify_url that answers 204."""
    async with receiving_callbacks() as running:
        yield running
