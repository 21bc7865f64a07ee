"""What goes wrong on the way to WeChat becomes ProviderUnavailable or ProviderError, never a raw answer."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from adapters.gateways.wechat import WeChatGateway
from application.errors import ProviderError, ProviderUnavailable
from tests.integration.wechat.conftest import CONFIG, credentials_for
from tests.integration.wechat.stub import StubWeChat
from tests.integration.wechat.wire import certificate, payment
from tests.rsa_keys import KeyPair

QUERY = "GET /v3/pay/transactions/out-trade-no/T20261124001"


async def test_a_server_slower_than_the_timeout_is_unavailable_within_bounds(gateway: WeChatGateway,
                                                                             stub: StubWeChat) -> None:
    stub.mode, stub.delay = "slow", 5.0
    started = time.monotonic()

    with pytest.raises(ProviderUnavailable):
        await gateway.create(payment(), CONFIG)

    assert time.monotonic() - started < 2.0  # timeout 0.5 s


async def test_sdk_calls_run_in_a_worker_thread_not_on_the_event_loop(gateway: WeChatGateway,
                                                                       stub: StubWeChat) -> None:
    stub.mode, stub.delay = "slow", 0.3
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await gateway.create(payment(), CONFIG)
    finally:
        ticker.cancel()

    assert ticks >= 10  # the loop kept running while the SDK waited 0.3 s


async def test_an_unreachable_gateway_is_unavailable(mode: str, merchant_keys: KeyPair, wechat_keys: KeyPair,
                                                     platform_cert: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    credentials = credentials_for(mode, merchant_keys, wechat_keys, platform_cert, f"http://127.0.0.1:{closed_port}")

    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        await WeChatGateway(credentials, timeout=0.5).query(payment(), CONFIG)


async def test_a_5xx_answer_is_unavailable(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.mode = "http_500"

    with pytest.raises(ProviderUnavailable, match="HTTP 500"):
        await gateway.query(payment(), CONFIG)


async def test_a_4xx_error_json_is_a_provider_error_with_wechats_code(gateway: WeChatGateway,
                                                                      stub: StubWeChat) -> None:
    stub.answers[QUERY] = (400, {"code": "PARAM_ERROR", "message": "参数错误"})

    with pytest.raises(ProviderError) as raised:
        await gateway.query(payment(), CONFIG)

    assert raised.value.extra == {"status": 400, "provider_code": "PARAM_ERROR", "provider_message": "参数错误"}


async def test_a_merchant_signature_wechat_refuses_is_a_provider_error(
        mode: str, stub: StubWeChat, stranger_keys: KeyPair, wechat_keys: KeyPair, platform_cert: str) -> None:
    credentials = credentials_for(mode, stranger_keys, wechat_keys, platform_cert, stub.base_url)

    with pytest.raises(ProviderError) as raised:
        await WeChatGateway(credentials, timeout=0.5).create(payment(), CONFIG)

    assert raised.value.extra["provider_code"] == "SIGN_ERROR"


async def test_a_tampered_answer_is_a_provider_error(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.mode = "tampered"

    with pytest.raises(ProviderError, match="does not verify"):
        await gateway.create(payment(), CONFIG)


async def test_a_tampered_204_is_a_provider_error(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.mode = "tampered"  # a 204 whose signature is over some other body

    with pytest.raises(ProviderError):
        await gateway.close(payment(), CONFIG)


async def test_an_unsigned_answer_is_a_provider_error(gateway: WeChatGateway, stub: StubWeChat) -> None:
    stub.mode = "unsigned"

    with pytest.raises(ProviderError, match="cannot be checked"):
        await gateway.create(payment(), CONFIG)


async def test_an_answer_under_an_unknown_serial_is_refused_after_at_most_one_certificate_download(
        gateway: WeChatGateway, stub: StubWeChat, mode: str) -> None:
    stub.mode = "wrong_serial"

    with pytest.raises(ProviderError, match=r"serial|certificate"):
        await gateway.create(payment(), CONFIG)

    # Public-key mode downloads nothing; certificate mode asks /v3/certificates once (the stub has none to give)
    # and does not repeat the order.
    expected = ["/v3/pay/transactions/native"] + (["/v3/certificates"] if mode == "certificate" else [])
    assert [s.path for s in stub.seen] == expected
    stub.mode = "ok"
    assert (await gateway.create(payment(), CONFIG)).code_url  # the configured keys are still trusted


@pytest.mark.parametrize("mode", ["certificate"])
async def test_an_answer_signed_with_an_expired_platform_certificate_is_not_trusted(
        stub: StubWeChat, merchant_keys: KeyPair, wechat_keys: KeyPair) -> None:
    expired = certificate(wechat_keys.public_pem, wechat_keys.pkcs8_pem, days=10,
                          start=datetime.now(UTC) - timedelta(days=30))  # CERT_SERIAL, the serial the stub signs with
    credentials = credentials_for("certificate", merchant_keys, wechat_keys, expired, stub.base_url)

    with pytest.raises(ProviderError, match=r"serial|certificate"):
        await WeChatGateway(credentials, timeout=0.5).create(payment(), CONFIG)

    # as for a callback, an expired certificate names no key: paycore asks WeChat for its certificates once
    assert [s.path for s in stub.seen] == ["/v3/pay/transactions/native", "/v3/certificates"]
