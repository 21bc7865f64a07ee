"""One kit per gateway adapter for the gateway contract suite: the adapter, its config, and how to make the
provider do what a buyer or the provider would (pay, settle a refund, send a notification, forge one).

The fake answers from memory; Alipay and WeChat are the real adapters over their official SDKs against the real
emulator, served on a free port in this event loop, with notifications delivered over HTTP to a local receiver.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from adapters.gateways import alipay, wechat
from adapters.gateways.alipay import AlipayCredentials, AlipayGateway
from adapters.gateways.alipay.cert_mode import certificate_mode
from adapters.gateways.fake import FakeGateway
from adapters.gateways.wechat import WeChatCredentials, WeChatGateway
from application.ports.providers import Gateway
from application.records import PaymentConfig, PayMethodRule, RawNotification
from domain.beijing import BEIJING
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund
from domain.status import RefundStatus
from emulator.app import create_emulator_app
from emulator.settings import EmulatorSettings
from tests.emulator.harness import listening_socket, serve
from tests.emulator.wechat_env import CallbackReceiver, Received, receiving_callbacks
from tests.rsa_keys import key_pair

APP_ID, SELLER_ID = "2021000000000001", "2088000000000001"
MCHID, WX_APPID, MERCHANT_SERIAL = "1900000109", "wx8888888888888888", "3775B6A45ACD588826D15E583A95F5DD00000001"
PAYER_IP = "203.0.113.9"
API_V3_KEY, PUBLIC_KEY_ID = "a" * 32, "PUB_KEY_ID_0114232026112400000000000001"


class Kit:
    """What the contract needs from one adapter and its provider."""

    gateway: Gateway
    config: PaymentConfig
    methods: tuple[PayMethodRule, ...]

    def payment(self, method: PayMethod | None = None, total: str = "1.00") -> Payment:
        """A new unpaid payment of this provider (its first method unless told)."""
        rule = next(r for r in self.methods if method in (None, r.method))
        now = datetime.now(UTC)
        return Payment.create(order_no=f"C{uuid.uuid4().hex[:20].upper()}", payment_type=self.config.payment_type,
                              pay_method=rule.method, config_id=self.config.config_id, subject="论文润色",
                              total_amount=Money.from_yuan(total), now=now, expire_time=now + timedelta(minutes=30),
                              openid="oCONTRACT0001" if rule.needs_openid else None, payer_client_ip=PAYER_IP)

    async def pay(self, payment: Payment) -> None:
        """The buyer pays the created payment at the provider."""
        raise NotImplementedError

    async def notification(self, payment: Payment) -> RawNotification:
        """The provider's genuine notification that the paid payment is paid."""
        raise NotImplementedError

    async def forged(self, payment: Payment) -> RawNotification:
        """A notification of the paid payment whose signature does not verify."""
        raise NotImplementedError

    async def settle(self, refund: Refund) -> None:
        """The provider finishes a refund that is still processing (nothing if it settles at once)."""

    def bill_date(self) -> date:
        """Today, as the provider dates its bills (Beijing)."""
        return datetime.now(BEIJING).date()


def refund_of(payment: Payment, amount: str = "0.40") -> Refund:
    """A refund being asked for now."""
    return Refund(f"R{uuid.uuid4().hex[:12]}", payment.order_no, Money.from_yuan(amount), "contract",
                  RefundStatus.PROCESSING, datetime.now(UTC))


class FakeKit(Kit):
    """The in-memory fake gateway (Alipay-like)."""

    def __init__(self) -> None:
        self.fake = FakeGateway("alipay")
        self.gateway = self.fake
        self.config = PaymentConfig(1, PaymentType.ALIPAY, "fake", app_id=APP_ID)
        self.methods = alipay.PAY_METHODS

    async def pay(self, payment: Payment) -> None:
        self.fake.pay(payment.order_no, paid_at=datetime.now(UTC))

    def _form(self, payment: Payment, sign: str) -> RawNotification:
        form = {"order_no": payment.order_no, "kind": "PAID", "amount": str(payment.total_amount),
                "event_id": f"N-{payment.order_no}", "trade_no": f"FAKE{payment.order_no}", "sign": sign}
        return RawNotification(urlencode(form).encode(), {}, form)

    async def notification(self, payment: Payment) -> RawNotification:
        return self._form(payment, "fake-ok")

    async def forged(self, payment: Payment) -> RawNotification:
        return self._form(payment, "forged")


class AlipayKit(Kit):
    """AlipayGateway (alipay-sdk-python) against the emulator, in public-key mode."""

    def __init__(self, url: str, http: httpx.AsyncClient, receiver: CallbackReceiver) -> None:
        self.url, self.http, self.receiver = url, http, receiver
        self.config = PaymentConfig(101, PaymentType.ALIPAY, "alipay", app_id=APP_ID,
                                    settings={"seller_id": SELLER_ID})
        self.methods = alipay.PAY_METHODS

    async def start(self) -> None:
        await self._control("POST", "/apps", app_id=APP_ID, app_public_key=key_pair(0).public_pem,
                            seller_id=SELLER_ID)
        alipay_public_key = (await self.http.get("/_control/alipay/public-key")).text
        self.gateway = self.alipay = AlipayGateway(AlipayCredentials(
            app_id=APP_ID, private_key_pem=key_pair(0).pkcs1_pem, alipay_public_key_pem=alipay_public_key,
            gateway_url=f"{self.url}/gateway.do", seller_id=SELLER_ID, notify_url=self.receiver.url,
            return_url="http://shop.example/paid"), timeout=5.0)

    async def _control(self, method: str, path: str, **body: Any) -> Any:
        response = await self.http.request(method, f"/_control/alipay{path}", json=body or None)
        assert response.status_code < 300, response.text
        return response.json() if response.headers.get("content-type", "").startswith("application/json") else None

    async def pay(self, payment: Payment) -> None:
        # the buyer opens the cashier (or scans the qr_code), then pays
        page = await self.http.get(payment.checkout.pay_url or payment.checkout.code_url or "")
        assert page.status_code == 200, page.text
        await self._control("POST", f"/trades/{payment.order_no}/pay")

    async def notification(self, payment: Payment) -> RawNotification:
        seen = 0
        while True:  # bounded: wait_for raises TimeoutError when no further notification arrives within 10 s
            for received in self.receiver.received[seen:]:
                form = dict(parse_qsl(received.body, keep_blank_values=True))
                if form.get("out_trade_no") == payment.order_no and form.get("trade_status") == "TRADE_SUCCESS":
                    return RawNotification(received.body.encode(), received.headers, form)
            seen = len(self.receiver.received)
            await self.receiver.wait_for(seen + 1, within=10)

    async def forged(self, payment: Payment) -> RawNotification:
        form = (await self._control("POST", f"/trades/{payment.order_no}/notify", variant="forged"))["sent"]
        return RawNotification(urlencode(form).encode(), {}, form)


class AlipayCertificateKit(AlipayKit):
    """AlipayGateway in certificate mode (公钥证书模式): the emulator's certificate-mode app, its three
    certificates from the emulator's own CA; every request carries app_cert_sn and alipay_root_cert_sn."""

    async def start(self) -> None:
        issued = await self._control("POST", "/cert-apps", app_id=APP_ID, app_public_key=key_pair(0).public_pem,
                                     seller_id=SELLER_ID)
        mode = certificate_mode(issued["app_cert"], issued["alipay_cert"], issued["alipay_root_cert"])
        self.gateway = self.alipay = AlipayGateway(AlipayCredentials(
            app_id=APP_ID, private_key_pem=key_pair(0).pkcs1_pem, alipay_public_key_pem="",
            gateway_url=f"{self.url}/gateway.do", seller_id=SELLER_ID, notify_url=self.receiver.url,
            return_url="http://shop.example/paid", certificates=mode), timeout=5.0)


class WeChatKit(Kit):
    """WeChatGateway (wechatpayv3) against the emulator, in public-key mode."""

    def __init__(self, url: str, http: httpx.AsyncClient, receiver: CallbackReceiver) -> None:
        self.url, self.http, self.receiver = url, http, receiver
        self.config = PaymentConfig(201, PaymentType.WECHAT, "wechat", app_id=WX_APPID,
                                    settings={"mch_id": MCHID})
        self.methods = wechat.PAY_METHODS

    async def start(self, emulator: Any) -> None:
        await self._control("POST", "/merchants", mchid=MCHID, appid=WX_APPID, mode="public_key",
                            merchant_public_key=key_pair(0).public_pem, merchant_serial_no=MERCHANT_SERIAL,
                            api_v3_key=API_V3_KEY)
        platform = emulator.platform
        self.gateway = WeChatGateway(WeChatCredentials(
            mchid=MCHID, appid=WX_APPID, private_key_pem=key_pair(0).pkcs8_pem, cert_serial_no=MERCHANT_SERIAL,
            api_v3_key=API_V3_KEY, gateway_url=self.url, notify_url=self.receiver.url,
            wechat_public_key_pem=platform.public_key_pem, wechat_public_key_id=platform.public_key_id), timeout=5.0)

    async def _control(self, method: str, path: str, **body: Any) -> Any:
        response = await self.http.request(method, f"/_control/wechat{path}", json=body or None)
        assert response.status_code < 300, response.text
        return response.json()

    async def pay(self, payment: Payment) -> None:
        await self._control("POST", f"/transactions/{payment.order_no}/pay")

    async def _callback(self, payment: Payment) -> Received:
        answer = await self._control("POST", f"/transactions/{payment.order_no}/callback", variant="current")
        nonce = answer["sent"]["headers"]["Wechatpay-Nonce"]
        (got,) = [r for r in self.receiver.received if r.headers.get("wechatpay-nonce") == nonce]
        return got

    async def notification(self, payment: Payment) -> RawNotification:
        received = await self._callback(payment)
        return RawNotification(received.body.encode(), received.headers)

    async def forged(self, payment: Payment) -> RawNotification:
        received = await self._callback(payment)
        envelope = json.loads(received.body)
        envelope["summary"] = "支付成功 (altered after signing)"
        return RawNotification(json.dumps(envelope, ensure_ascii=False).encode(), received.headers)

    async def settle(self, refund: Refund) -> None:
        await self._control("POST", f"/refunds/{refund.refund_no}/succeed")


class WeChatCertificateKit(WeChatKit):
    """WeChatGateway in platform-certificate mode: the merchant registered in certificate mode, the emulator's
    platform certificate pasted into the credentials; callbacks and answers verified by it."""

    async def start(self, emulator: Any) -> None:
        await self._control("POST", "/merchants", mchid=MCHID, appid=WX_APPID, mode="certificate",
                            merchant_public_key=key_pair(0).public_pem, merchant_serial_no=MERCHANT_SERIAL,
                            api_v3_key=API_V3_KEY)
        pasted = (await self._control("GET", "/certificate"))["certificate"]
        self.gateway = WeChatGateway(WeChatCredentials(
            mchid=MCHID, appid=WX_APPID, private_key_pem=key_pair(0).pkcs8_pem, cert_serial_no=MERCHANT_SERIAL,
            api_v3_key=API_V3_KEY, gateway_url=self.url, notify_url=self.receiver.url,
            platform_cert_pems=(pasted,)), timeout=5.0)


@asynccontextmanager
async def kit_for(name: str) -> AsyncIterator[Kit]:
    """The kit of one adapter, its emulator serving for as long as the context lasts."""
    if name == "fake":
        yield FakeKit()
        return
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_emulator_app(EmulatorSettings(
        base_url=url, alipay_private_key_pem=key_pair(1).pkcs8_pem, notify_retry_delays=(),
        wechat_private_key_pem=key_pair(1).pkcs8_pem, wechat_public_key_id=PUBLIC_KEY_ID,
        wechat_refund_delay=3600.0, wechat_notify_retry_delays=()))
    async with (serve(app, sock), httpx.AsyncClient(base_url=url, timeout=10) as http,
                receiving_callbacks() as receiver):
        if name in ("alipay", "alipay-certificates"):
            kit = AlipayKit(url, http, receiver) if name == "alipay" else AlipayCertificateKit(url, http, receiver)
            await kit.start()
            yield kit
            kit.alipay.close_connections()
        else:
            wx = WeChatKit(url, http, receiver) if name == "wechat" else WeChatCertificateKit(url, http, receiver)
            await wx.start(app.state.wechat)
            yield wx
