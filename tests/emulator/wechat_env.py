"""A running emulator with one WeChat merchant, the real wechatpayv3 SDK aimed at it, and a callback receiver."""

from __future__ import annotations

import asyncio
import base64
import json
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from litestar import Litestar, Request, Response, post
from wechatpayv3 import WeChatPay, WeChatPayType

from emulator.app import create_emulator_app
from emulator.settings import EmulatorSettings
from emulator.wechat import WeChatEmulator
from tests.emulator.harness import listening_socket, serve
from tests.rsa_keys import KeyPair, key_pair

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
SERIAL_NO = "3775B6A45ACD588826D15E583A95F5DD00000001"
API_V3_KEY = "a12d3924fd499edac8a5efc2b8e4f1d7"
PUBLIC_KEY_ID = "PUB_KEY_ID_0114232134912410000000000001"
FAST = EmulatorSettings(notify_time_scale=0.0005)
UNROUTABLE_NOTIFY_URL = "http://127.0.0.1:9/notify"


@dataclass
class WeChatEnv:
    """A running emulator, its WeChat state, an HTTP client for it, and the merchant registered on it."""

    url: str
    wechat: WeChatEmulator
    http: httpx.AsyncClient
    merchant: KeyPair

    @property
    def public_key_pem(self) -> str:
        """WeChat Pay's public key, as the control API hands it out."""
        return self.wechat.platform.public_key_pem

    def sdk(self, notify_url: str = UNROUTABLE_NOTIFY_URL, pay_type: WeChatPayType = WeChatPayType.NATIVE,
            mchid: str = MCHID, merchant: KeyPair | None = None) -> WeChatPay:
        """The SDK in public-key mode (no network call at construction), dialling the emulator."""
        wxpay = WeChatPay(
            wechatpay_type=pay_type, mchid=mchid, private_key=(merchant or self.merchant).pkcs8_pem,
            cert_serial_no=SERIAL_NO, appid=APPID, apiv3_key=API_V3_KEY, notify_url=notify_url,
            public_key=self.public_key_pem, public_key_id=PUBLIC_KEY_ID, timeout=(5, 10),
        )
        wxpay._core._gate_way = self.url
        return wxpay

    def certificate_sdk(self, cert_dir: Path, stale_certificate_pem: str) -> WeChatPay:
        """The SDK in certificate mode, started from a stale certificate on disk (the SDK would otherwise
        download certificates from the real WeChat inside its constructor); the emulator's serial makes it
        fetch /v3/certificates from the emulator on first use."""
        cert_dir.mkdir(parents=True, exist_ok=True)
        (cert_dir / "stale.pem").write_text(stale_certificate_pem)
        wxpay = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE, mchid=MCHID, private_key=self.merchant.pkcs8_pem,
            cert_serial_no=SERIAL_NO, appid=APPID, apiv3_key=API_V3_KEY, notify_url=UNROUTABLE_NOTIFY_URL,
            cert_dir=str(cert_dir), timeout=(5, 10),
        )
        wxpay._core._gate_way = self.url
        return wxpay

    async def native(self, out_trade_no: str, total: int = 100, notify_url: str = UNROUTABLE_NOTIFY_URL,
                     **extra: Any) -> str:
        """A Native order through the SDK; its code_url."""
        code, text = await call(self.sdk(notify_url).pay, description="测试商品 Test", out_trade_no=out_trade_no,
                                amount={"total": total, "currency": "CNY"}, **extra)
        assert code == 200, text
        code_url: str = json.loads(text)["code_url"]
        return code_url

    async def paid(self, out_trade_no: str, total: int = 100,
                   notify_url: str = UNROUTABLE_NOTIFY_URL) -> dict[str, Any]:
        """A Native order paid through the control API."""
        await self.native(out_trade_no, total, notify_url)
        response = await self.http.post(f"/_control/wechat/transactions/{out_trade_no}/pay")
        assert response.status_code == 200, response.text
        paid: dict[str, Any] = response.json()
        return paid


async def call(fn: Callable[..., tuple[int, Any]], *args: Any, **kwargs: Any) -> tuple[int, Any]:
    """One SDK call in a worker thread, as the service makes them."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def register_body(merchant: KeyPair, mode: str = "public_key", mchid: str = MCHID) -> dict[str, str]:
    """The control API's merchant registration."""
    return {"mchid": mchid, "appid": APPID, "merchant_public_key": merchant.public_pem,
            "merchant_serial_no": SERIAL_NO, "api_v3_key": API_V3_KEY, "mode": mode}


@asynccontextmanager
async def running_wechat(settings: EmulatorSettings = FAST, mode: str = "public_key") -> AsyncIterator[WeChatEnv]:
    """An emulator on a free port with WeChat Pay's test keys and the merchant registered over HTTP."""
    sock = listening_socket()
    settings = replace(
        settings, base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", wechat_public_key_id=PUBLIC_KEY_ID,
        wechat_private_key_pem=key_pair(2).pkcs8_pem, wechat_certificate_private_key_pem=key_pair(3).pkcs1_pem,
    )
    app = create_emulator_app(settings)
    async with serve(app, sock) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        registered = await http.post("/_control/wechat/merchants", json=register_body(key_pair(0), mode))
        assert registered.status_code == 201, registered.text
        yield WeChatEnv(url, app.state.wechat, http, key_pair(0))


@dataclass(frozen=True)
class Received:
    """One callback as the merchant's server got it."""

    headers: dict[str, str]
    body: str

    @property
    def json(self) -> dict[str, Any]:
        """The envelope."""
        data: dict[str, Any] = json.loads(self.body)
        return data

    def resource(self, api_v3_key: str = API_V3_KEY) -> dict[str, Any]:
        """The decrypted resource."""
        resource = self.json["resource"]
        plain = AESGCM(api_v3_key.encode()).decrypt(
            resource["nonce"].encode(), base64.b64decode(resource["ciphertext"]), resource["associated_data"].encode()
        )
        data: dict[str, Any] = json.loads(plain)
        return data

    def verifies(self, public_key_pem: str) -> bool:
        """Whether the Wechatpay-Signature is WeChat's over timestamp, nonce and body."""
        return signature_verifies(public_key_pem, self.headers, self.body)


def signature_verifies(public_key_pem: str, headers: dict[str, str], body: str) -> bool:
    """Whether headers carry a valid Wechatpay-Signature over body, by public_key_pem."""
    key = load_pem_public_key(public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    message = f"{headers['wechatpay-timestamp']}\n{headers['wechatpay-nonce']}\n{body}\n".encode()
    try:
        key.verify(base64.b64decode(headers["wechatpay-signature"]), message, padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, InvalidSignature):
        return False
    return True


class CallbackReceiver:
    """A merchant's notify_url: records every callback and answers with scripted status codes."""

    def __init__(self, statuses: Iterable[int] = (), default: int = 204) -> None:
        self.received: list[Received] = []
        self.statuses = deque(statuses)
        self.default = default
        self._changed = asyncio.Condition()
        self.url = ""

    def app(self) -> Litestar:
        """The receiver as a Litestar app with POST /notify."""

        @post("/notify", status_code=200)
        async def notify(request: Request[Any, Any, Any]) -> Response[bytes]:
            got = Received({k.lower(): v for k, v in request.headers.items()}, (await request.body()).decode())
            status = self.statuses.popleft() if self.statuses else self.default
            async with self._changed:
                self.received.append(got)
                self._changed.notify_all()
            body = b"" if status == 204 else b'{"code":"FAIL","message":"scripted"}'
            return Response(body, status_code=status, media_type="application/json")

        return Litestar(route_handlers=[notify])

    async def wait_for(self, count: int, within: float = 5.0) -> list[Received]:
        """The first count callbacks, waiting up to `within` seconds for them to arrive."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.received) >= count), within)
        return self.received[:count]


@asynccontextmanager
async def receiving_callbacks(statuses: Iterable[int] = (), default: int = 204) -> AsyncIterator[CallbackReceiver]:
    """A running CallbackReceiver; its notify URL is receiver.url."""
    receiver = CallbackReceiver(statuses, default)
    sock = listening_socket()
    async with serve(receiver.app(), sock) as base:
        receiver.url = f"{base}/notify"
        yield receiver
