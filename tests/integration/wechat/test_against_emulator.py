"""The real adapter (the real wechatpayv3 SDK) against the real emulator on a free port, for every call, in
public-key mode and in certificate mode; callbacks are produced by the emulator's control API, delivered to a
local receiver over HTTP, and only then fed to `verify_notification`."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from wechatpayv3 import WeChatPay

from adapters.gateways.wechat import WeChatCredentials, WeChatGateway
from adapters.gateways.wechat import gateway as wechat_gateway
from application.errors import BillCorrupt, NotificationRejected, ProviderError
from application.records import RawNotification
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund
from domain.status import RefundStatus
from domain.updates import ProviderUpdate, UpdateKind
from emulator.app import create_emulator_app
from emulator.settings import EmulatorSettings
from emulator.wechat import WeChatEmulator, wire
from emulator.wechat.store import BillLink
from tests.emulator.harness import listening_socket, serve
from tests.emulator.wechat_env import CallbackReceiver, Received, receiving_callbacks
from tests.integration.wechat.conftest import CONFIG
from tests.integration.wechat.wire import API_V3_KEY, APPID, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID
from tests.rsa_keys import key_pair

Asgi = Any


class Recorder:
    """The emulator's ASGI app, remembering the path of every HTTP request it gets."""

    def __init__(self, app: Asgi) -> None:
        self.app, self.paths = app, list[str]()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)

    def api_calls(self) -> list[str]:
        """The v3 API paths asked so far (the control API left out)."""
        return [p for p in self.paths if p.startswith("/v3/")]


@dataclass
class Emulated:
    """The emulator serving one merchant in one mode, a callback receiver, and how to build the adapter."""

    mode: str
    url: str
    wechat: WeChatEmulator
    http: httpx.AsyncClient
    recorder: Recorder
    receiver: CallbackReceiver

    def credentials(self, private_key_pem: str | None = None) -> WeChatCredentials:
        """The merchant's credentials: the emulator's public key and id, or its platform certificate."""
        platform = self.wechat.platform
        keys: dict[str, Any] = (
            {"wechat_public_key_pem": platform.public_key_pem, "wechat_public_key_id": platform.public_key_id}
            if self.mode == "public_key" else {"platform_cert_pems": (platform.certificate_pem,)})
        return WeChatCredentials(mchid=MCHID, appid=APPID, private_key_pem=private_key_pem or key_pair(0).pkcs8_pem,
                                 cert_serial_no=MERCHANT_SERIAL, api_v3_key=API_V3_KEY, gateway_url=self.url,
                                 notify_url=self.receiver.url, **keys)

    def gateway(self, private_key_pem: str | None = None) -> WeChatGateway:
        """The adapter for the merchant, pointed at the emulator."""
        return WeChatGateway(self.credentials(private_key_pem), timeout=5.0)

    async def control(self, method: str, path: str, **body: Any) -> Any:
        """The emulator's control API; the decoded answer."""
        response = await self.http.request(method, f"/_control/wechat{path}", json=body or None)
        assert response.status_code < 300, response.text
        return response.json()

    async def send(self, order_no: str, variant: str, out_refund_no: str = "") -> Received:
        """Have the emulator send one callback variant now; the callback as the receiver got it."""
        answer = await self.control("POST", f"/transactions/{order_no}/callback", variant=variant,
                                    out_refund_no=out_refund_no)
        nonce = answer["sent"]["headers"]["Wechatpay-Nonce"]
        got = [r for r in self.receiver.received if r.headers.get("wechatpay-nonce") == nonce]
        assert len(got) == 1, answer  # delivered (and answered) before the control API answers
        return got[0]


@pytest.fixture
async def emulated(mode: str) -> AsyncIterator[Emulated]:
    """The emulator on a free port with the merchant registered over HTTP in `mode`, and a receiver."""
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_emulator_app(EmulatorSettings(
        base_url=url, wechat_private_key_pem=key_pair(1).pkcs8_pem, wechat_public_key_id=PUBLIC_KEY_ID,
        wechat_certificate_private_key_pem=key_pair(3).pkcs1_pem, wechat_refund_delay=3600.0,
        wechat_notify_retry_delays=()))
    recorder = Recorder(app)
    async with (serve(recorder, sock), httpx.AsyncClient(base_url=url, timeout=10) as http,
                receiving_callbacks() as receiver):
        emulated = Emulated(mode, url, app.state.wechat, http, recorder, receiver)
        await emulated.control("POST", "/merchants", mchid=MCHID, appid=APPID, mode=mode,
                               merchant_public_key=key_pair(0).public_pem, merchant_serial_no=MERCHANT_SERIAL,
                               api_v3_key=API_V3_KEY)
        yield emulated


def payment(order_no: str, total: str = "99.90", pay_method: str = "native", openid: str | None = None) -> Payment:
    """An unpaid payment created now, expiring in 30 minutes."""
    now = datetime.now(UTC)
    return Payment.create(order_no=order_no, payment_type=PaymentType.WECHAT, pay_method=PayMethod(pay_method),
                          config_id=CONFIG.config_id,
                          subject="论文润色 Thesis polishing", total_amount=Money.from_yuan(total), now=now,
                          expire_time=now + timedelta(minutes=30), openid=openid)


def refund(order_no: str, refund_no: str, amount: str) -> Refund:
    """A refund being asked for now."""
    return Refund(refund_no, order_no, Money.from_yuan(amount), "customer request", RefundStatus.PROCESSING,
                  datetime.now(UTC))


def raw(received: Received) -> RawNotification:
    """A received callback as the notify endpoint hands it to the adapter."""
    return RawNotification(body=received.body.encode(), headers=received.headers)


async def paid(emulated: Emulated, gateway: WeChatGateway, order_no: str, total: str = "99.90") -> dict[str, Any]:
    """A Native order created through the adapter and paid at the emulator; the emulator's view of it."""
    await gateway.create(payment(order_no, total), CONFIG)
    order: dict[str, Any] = await emulated.control("POST", f"/transactions/{order_no}/pay")
    return order


def moment(text: str) -> datetime:
    """WeChat's RFC 3339 time as an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


async def rejected(gateway: WeChatGateway, received: Received) -> str:
    """Why the adapter refuses the callback."""
    with pytest.raises(NotificationRejected) as refused:
        await gateway.verify_notification(raw(received), CONFIG)
    return refused.value.reason


# -- construction --------------------------------------------------------------------------------------------


async def test_the_adapter_makes_no_outbound_call_at_construction(emulated: Emulated, outbound: list[str]) -> None:
    emulated.gateway()
    emulated.gateway(key_pair(0).pkcs1_pem)

    assert outbound == []
    assert emulated.recorder.api_calls() == []


async def test_a_pkcs1_merchant_key_signs_requests_the_emulator_accepts(emulated: Emulated) -> None:
    gateway = emulated.gateway(key_pair(0).pkcs1_pem)

    checkout = await gateway.create(payment("WXEMUPKCS1"), CONFIG)

    assert checkout.code_url == (await emulated.control("GET", "/transactions/WXEMUPKCS1"))["code_url"]
    assert emulated.recorder.api_calls() == ["/v3/pay/transactions/native"]


# -- orders --------------------------------------------------------------------------------------------------


async def test_native_create_sends_fen_and_the_expiry_in_beijing_time_and_answers_the_code_url(
        emulated: Emulated) -> None:
    order = payment("WXEMUNATIVE1", "0.29")

    checkout = await emulated.gateway().create(order, CONFIG)

    seen = await emulated.control("GET", "/transactions/WXEMUNATIVE1")
    assert checkout.code_url == seen["code_url"]
    assert checkout.code_url is not None
    assert checkout.code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert (seen["amount"]["total"], seen["trade_type"], seen["notify_url"]) == (29, "NATIVE", emulated.receiver.url)
    assert seen["time_expire"].endswith("+08:00")
    assert moment(seen["time_expire"]) == order.expire_time.replace(microsecond=0)


async def test_jsapi_create_answers_pay_params_signed_by_the_merchant(emulated: Emulated) -> None:
    checkout = await emulated.gateway().create(payment("WXEMUJSAPI1", pay_method=PayMethod.JSAPI, openid="oEMU0001"),
                                               CONFIG)

    params = checkout.pay_params
    assert params is not None
    seen = await emulated.control("GET", "/transactions/WXEMUJSAPI1")
    assert (params["appId"], params["package"], params["signType"]) == (APPID, f"prepay_id={seen['prepay_id']}", "RSA")
    message = "".join(f"{params[k]}\n" for k in ("appId", "timeStamp", "nonceStr", "package")).encode()
    merchant = load_pem_public_key(key_pair(0).public_pem.encode())
    assert isinstance(merchant, rsa.RSAPublicKey)
    merchant.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())


async def test_query_follows_the_order_from_unpaid_to_paid_and_knows_no_stranger(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await gateway.create(payment("WXEMUQUERY1"), CONFIG)
    waiting = await gateway.query(payment("WXEMUQUERY1"), CONFIG)
    assert waiting is not None
    assert waiting.kind is UpdateKind.WAITING

    seen = await emulated.control("POST", "/transactions/WXEMUQUERY1/pay", openid="oEMU0002")
    update = await gateway.query(payment("WXEMUQUERY1"), CONFIG)

    assert update is not None
    assert update.kind is UpdateKind.PAID
    assert (update.trade_no, update.buyer_id) == (seen["transaction_id"], "oEMU0002")
    assert update.occurred_at == moment(seen["success_time"])
    assert update.amount == update.receipt_amount == Money(9990)
    assert await gateway.query(payment("WXEMUNEVER1"), CONFIG) is None


async def test_close_closes_an_unpaid_order_and_reports_a_paid_one_as_paid(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await gateway.create(payment("WXEMUCLOSE1"), CONFIG)

    closed = await gateway.close(payment("WXEMUCLOSE1"), CONFIG)

    assert closed.kind is UpdateKind.CLOSED
    assert (await emulated.control("GET", "/transactions/WXEMUCLOSE1"))["trade_state"] == "CLOSED"
    seen = await paid(emulated, gateway, "WXEMUCLOSE2")
    too_late = await gateway.close(payment("WXEMUCLOSE2"), CONFIG)
    assert (too_late.kind, too_late.trade_no) == (UpdateKind.PAID, seen["transaction_id"])


# -- refunds and bills ---------------------------------------------------------------------------------------


async def test_a_refund_is_processing_until_it_succeeds_and_its_query_follows(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUREF001", "30.00")

    started = await gateway.refund(payment("WXEMUREF001", "30.00"), refund("WXEMUREF001", "WXR1", "10.01"), CONFIG)

    assert (started.kind, started.amount, started.refund_no) == (UpdateKind.REFUND_PROCESSING, Money(1001), "WXR1")
    query = await gateway.query_refund(payment("WXEMUREF001"), refund("WXEMUREF001", "WXR1", "10.01"), CONFIG)
    assert (query.kind, query.provider_refund_id) == (UpdateKind.REFUND_PROCESSING, started.provider_refund_id)
    done = await emulated.control("POST", "/refunds/WXR1/succeed")
    settled = await gateway.query_refund(payment("WXEMUREF001"), refund("WXEMUREF001", "WXR1", "10.01"), CONFIG)
    assert (settled.kind, settled.occurred_at) == (UpdateKind.REFUND_SUCCEEDED, moment(done["success_time"]))


async def test_a_refund_over_what_is_left_is_refused_with_wechats_code(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUREF002", "30.00")
    await gateway.refund(payment("WXEMUREF002", "30.00"), refund("WXEMUREF002", "WXR2", "20.00"), CONFIG)

    refused = await gateway.refund(payment("WXEMUREF002", "30.00"), refund("WXEMUREF002", "WXR3", "10.01"), CONFIG)

    assert (refused.kind, refused.failure_code) == (UpdateKind.REFUND_FAILED, "INVALID_REQUEST")
    assert refused.failure_message


def spy_on_bills(wechat: WeChatEmulator, damage: Callable[[bytes], bytes] | None = None) -> list[BillLink]:
    """The bills the emulator issues from now on; `damage` changes what is served after the hash is taken."""
    issued: list[BillLink] = []
    issue = wechat.store.issue_bill_link

    def spy(link: BillLink) -> str:
        issued.append(link)
        return issue(dataclasses.replace(link, content=damage(link.content)) if damage else link)

    wechat.store.issue_bill_link = spy  # type: ignore[method-assign]
    return issued


async def test_the_trade_bill_is_downloaded_and_matches_its_hash(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUBILL01", "12.34")
    issued = spy_on_bills(emulated.wechat)

    bill = await gateway.download_bill(wire.now().astimezone(wire.BEIJING).date())

    assert bill == issued[0].content
    assert "`WXEMUBILL01" in bill.decode()
    assert "`12.34" in bill.decode()
    assert emulated.recorder.api_calls()[-2:] == ["/v3/bill/tradebill", "/v3/billdownload/file"]


async def test_a_bill_that_does_not_match_its_hash_is_refused(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUBILL02")
    spy_on_bills(emulated.wechat, damage=lambda content: content.replace(b"99.90", b"99.99"))

    with pytest.raises(ProviderError, match="hash_value"):
        await gateway.download_bill(wire.now().astimezone(wire.BEIJING).date())


async def test_the_bill_port_streams_the_download_into_a_file_and_reads_its_rows_from_there(
        emulated: Emulated, monkeypatch: pytest.MonkeyPatch) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUBILL03", "12.34")

    def held_whole(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the SDK's download_bill holds the whole answer in memory")

    monkeypatch.setattr(WeChatPay, "download_bill", held_whole)
    monkeypatch.setattr(wechat_gateway, "SPOOL_BYTES", 64)  # the download goes to disk past its first 64 bytes

    reader = await gateway.bill(wire.now().astimezone(wire.BEIJING).date())
    rows = [(row.order_no, row.amount) for row in reader.rows()]

    assert ("WXEMUBILL03", 1234) in rows
    assert emulated.recorder.api_calls()[-2:] == ["/v3/bill/tradebill", "/v3/billdownload/file"]


async def test_a_streamed_bill_that_does_not_match_its_hash_is_refused_after_its_rows(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUBILL04")
    spy_on_bills(emulated.wechat, damage=lambda content: content.replace(b"99.90", b"99.99"))
    reader = await gateway.bill(wire.now().astimezone(wire.BEIJING).date())

    with pytest.raises(BillCorrupt, match="hash_value"):
        list(reader.rows())


async def test_an_answer_whose_signature_does_not_verify_is_refused_without_fetching_certificates(
        emulated: Emulated) -> None:
    await emulated.control("POST", "/faults", mode="tampered", count=1)

    with pytest.raises(ProviderError, match="signature"):
        await emulated.gateway().create(payment("WXEMUTAMPER"), CONFIG)

    assert "/v3/certificates" not in emulated.recorder.paths


# -- callbacks -----------------------------------------------------------------------------------------------


async def test_the_paid_callback_is_verified_decrypted_and_translated(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    seen = await paid(emulated, gateway, "WXEMUCB0001")
    (delivered,) = await emulated.receiver.wait_for(1)

    update = await gateway.verify_notification(raw(delivered), CONFIG)

    assert update == ProviderUpdate(
        UpdateKind.PAID, "WXEMUCB0001", amount=Money(9990), trade_no=seen["transaction_id"],
        occurred_at=moment(seen["success_time"]), event_id=delivered.json["id"], app_id=APPID, merchant_id=MCHID,
        buyer_id=seen["payer"]["openid"], receipt_amount=Money(9990), raw=update.raw)
    duplicate = await emulated.send("WXEMUCB0001", "duplicate")
    assert (await gateway.verify_notification(raw(duplicate), CONFIG)).event_id == update.event_id


async def test_the_refund_callback_is_verified_and_translated(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUCB0002")
    await gateway.refund(payment("WXEMUCB0002"), refund("WXEMUCB0002", "WXR4", "99.90"), CONFIG)
    done = await emulated.control("POST", "/refunds/WXR4/succeed")
    delivered = (await emulated.receiver.wait_for(2))[1]

    update = await gateway.verify_notification(raw(delivered), CONFIG)

    assert (update.kind, update.refund_no, update.amount) == (UpdateKind.REFUND_SUCCEEDED, "WXR4", Money(9990))
    assert (update.provider_refund_id, update.occurred_at) == (done["refund_id"], moment(done["success_time"]))


async def test_wechat_callback_with_unknown_serial_makes_no_outbound_call(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUCB0003")
    received = await emulated.send("WXEMUCB0003", "wrong_serial")
    calls = emulated.recorder.api_calls()

    assert await rejected(gateway, received) == "unknown_serial"
    assert emulated.recorder.api_calls() == calls


async def test_a_callback_with_a_stale_timestamp_is_refused(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUCB0004")

    assert await rejected(gateway, await emulated.send("WXEMUCB0004", "stale")) == "stale_timestamp"


async def test_a_signature_probe_is_refused(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUCB0005")

    assert await rejected(gateway, await emulated.send("WXEMUCB0005", "probe")) == "signature_probe"


async def test_a_tampered_ciphertext_is_undecryptable(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUCB0006")

    assert await rejected(gateway, await emulated.send("WXEMUCB0006", "undecryptable")) == "undecryptable"


async def test_a_wrong_amount_callback_verifies_and_reports_the_amount_it_names(emulated: Emulated) -> None:
    gateway = emulated.gateway()
    await paid(emulated, gateway, "WXEMUCB0007")

    update = await gateway.verify_notification(raw(await emulated.send("WXEMUCB0007", "wrong_amount")), CONFIG)

    assert update.amount == Money(9990 + 100)  # the use case compares it with the payment and refuses


async def test_the_callback_signature_is_the_one_the_mode_names(emulated: Emulated) -> None:
    await paid(emulated, emulated.gateway(), "WXEMUCB0008")
    (delivered,) = await emulated.receiver.wait_for(1)

    platform = emulated.wechat.platform
    expected = PUBLIC_KEY_ID if emulated.mode == "public_key" else platform.serial_no
    assert delivered.headers["wechatpay-serial"] == expected
