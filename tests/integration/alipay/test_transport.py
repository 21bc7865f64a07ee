"""The SDK path against a scripted Alipay on a real port: every failure becomes an application error."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date

import alipay.aop.api.DefaultAlipayClient as sdk_client
import anyio
import pytest
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.request.AlipayTradeCloseRequest import AlipayTradeCloseRequest

from adapters.gateways.alipay import AlipayGateway
from application.errors import ProviderError, ProviderUnavailable
from application.records import PaymentConfig
from domain.kinds import PaymentType
from domain.updates import UpdateKind
from tests.integration.alipay.conftest import credentials_for
from tests.integration.alipay.stub import BILL, StubAlipay
from tests.integration.alipay.wire import payment
from tests.rsa_keys import KeyPair

CONFIG = PaymentConfig(config_id=101, payment_type=PaymentType.ALIPAY, config_name="main")
PAID = {"code": "10000", "msg": "Success", "trade_status": "TRADE_SUCCESS", "total_amount": "99.90",
        "trade_no": "2026112422001", "send_pay_date": "2026-11-24 20:03:17"}


async def test_alipay_gateway_url_with_port_is_reachable(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.answers["alipay.trade.query"] = PAID
    update = await gateway.query(payment(), CONFIG)
    assert update is not None
    assert update.kind is UpdateKind.PAID
    assert [r["method"] for r in stub.requests] == ["alipay.trade.query"]
    assert stub.requests[0]["_signature_ok"] == "True"


async def test_alipay_non_200_answer_is_provider_unavailable(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.mode = "http_500"
    with pytest.raises(ProviderUnavailable) as caught:
        await gateway.query(payment(), CONFIG)
    assert caught.value.extra["http_status"] == 500


async def test_alipay_timeout_is_provider_unavailable(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.mode, stub.delay = "slow", 2.0
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="within"):
        await gateway.query(payment(), CONFIG)
    assert time.monotonic() - started < 1.5  # the configured 0.5 s, not the SDK's 15 s


async def test_alipay_garbage_answer_is_provider_unavailable(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.mode = "garbage"
    with pytest.raises(ProviderUnavailable, match="not JSON"):
        await gateway.query(payment(), CONFIG)


async def test_alipay_tampered_answer_is_provider_error(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.mode = "tampered"
    with pytest.raises(ProviderError, match="signature does not verify"):
        await gateway.query(payment(), CONFIG)


async def test_alipay_answer_signed_by_another_key_is_provider_error(stub: StubAlipay, app_keys: KeyPair,
                                                                     stranger_keys: KeyPair) -> None:
    gateway = AlipayGateway(credentials_for(app_keys, stranger_keys, f"{stub.base_url}/gateway.do"), timeout=0.5)
    with pytest.raises(ProviderError, match="signature does not verify"):
        await gateway.query(payment(), CONFIG)


async def test_alipay_unsigned_success_answer_is_provider_error(gateway: AlipayGateway, stub: StubAlipay) -> None:
    stub.mode = "unsigned"
    with pytest.raises(ProviderError, match="not signed"):
        await gateway.query(payment(), CONFIG)


async def test_alipay_unreachable_gateway_is_provider_unavailable(app_keys: KeyPair, alipay_keys: KeyPair) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gateway = AlipayGateway(credentials_for(app_keys, alipay_keys, f"http://127.0.0.1:{port}/gateway.do"), 0.5)
    with pytest.raises(ProviderUnavailable, match="cannot be reached"):
        await gateway.query(payment(), CONFIG)


async def test_alipay_pkcs8_private_key_is_accepted(stub: StubAlipay, app_keys: KeyPair,
                                                    alipay_keys: KeyPair) -> None:
    credentials = credentials_for(app_keys, alipay_keys, f"{stub.base_url}/gateway.do",
                                  private_key_pem=app_keys.pkcs8_pem)
    await AlipayGateway(credentials, timeout=0.5).close(payment(), CONFIG)
    assert stub.requests[0]["_signature_ok"] == "True"


async def test_alipay_request_signed_with_the_wrong_key_is_provider_error_with_sub_code(
    stub: StubAlipay, stranger_keys: KeyPair, alipay_keys: KeyPair
) -> None:
    gateway = AlipayGateway(credentials_for(stranger_keys, alipay_keys, f"{stub.base_url}/gateway.do"), 0.5)
    with pytest.raises(ProviderError) as caught:
        await gateway.query(payment(), CONFIG)
    assert caught.value.extra["sub_code"] == "isv.invalid-signature"


async def test_alipay_sdk_calls_run_in_worker_threads_not_on_the_event_loop(gateway: AlipayGateway,
                                                                            stub: StubAlipay) -> None:
    stub.mode, stub.delay = "slow", 0.3
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await anyio.sleep(0.01)
            ticks += 1

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(tick)
        await gateway.close(payment(), CONFIG)
        tasks.cancel_scope.cancel()
    assert ticks >= 10  # the loop kept running while the SDK waited 0.3 s


async def test_alipay_page_pay_urls_are_signed_in_the_signing_threads_not_on_the_event_loop(
        gateway: AlipayGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in: list[str] = []
    sign = sdk_client.sign_with_rsa2  # paycore's signer, installed when the gateway was built

    def recording(private_key: str, content: str, charset: str) -> str:
        signed_in.append(threading.current_thread().name)
        return str(sign(private_key, content, charset))

    monkeypatch.setattr(sdk_client, "sign_with_rsa2", recording)
    checkout = await gateway.create(payment(), CONFIG)
    assert checkout.pay_url is not None
    assert "sign=" in checkout.pay_url
    assert len(signed_in) == 1
    assert signed_in[0].startswith("alipay-sign")
    assert signed_in[0] != threading.current_thread().name


async def test_alipay_bill_download_follows_the_url_through_the_transport(gateway: AlipayGateway,
                                                                          stub: StubAlipay) -> None:
    assert await gateway.download_bill(date(2026, 11, 24)) == BILL
    assert stub.requests[0]["method"] == "alipay.data.dataservice.bill.downloadurl.query"
    assert '"bill_date":"2026-11-24"' in stub.requests[0]["biz_content"]
    assert '"bill_type":"trade"' in stub.requests[0]["biz_content"]


def test_the_sdk_used_directly_after_install_still_goes_through_a_transport(gateway: AlipayGateway,
                                                                          stub: StubAlipay, app_keys: KeyPair,
                                                                          alipay_keys: KeyPair) -> None:
    config = AlipayClientConfig()
    config.app_id, config.server_url = "2021000000000001", f"{stub.base_url}/gateway.do"
    config.app_private_key, config.alipay_public_key = app_keys.pkcs1_pem, alipay_keys.public_pem
    request = AlipayTradeCloseRequest()
    request.biz_content = {"out_trade_no": "T1"}
    assert '"code":"10000"' in DefaultAlipayClient(config).execute(request)  # port honoured, no TypeError
    stub.mode = "http_500"
    with pytest.raises(ProviderUnavailable):
        DefaultAlipayClient(config).execute(request)
