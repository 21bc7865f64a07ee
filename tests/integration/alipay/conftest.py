"""Keys, credentials, a scripted Alipay stub and the real emulator, each on a real port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.gateways.alipay import AlipayCredentials, AlipayGateway
from tests.integration.alipay.emulator_process import NotifyReceiver, control, emulator_missing, running_emulator
from tests.integration.alipay.stub import StubAlipay, serve
from tests.integration.alipay.wire import APP_ID, SELLER_ID
from tests.rsa_keys import KeyPair, key_pair


@pytest.fixture(scope="session")
def app_keys() -> KeyPair:
    """The merchant app's key pair."""
    return key_pair(0)


@pytest.fixture(scope="session")
def alipay_keys() -> KeyPair:
    """Alipay's key pair (its public half is what the merchant configures)."""
    return key_pair(1)


@pytest.fixture(scope="session")
def stranger_keys() -> KeyPair:
    """A key pair nobody configured: forgeries are signed with it."""
    return key_pair(2)


@pytest.fixture
def stub(app_keys: KeyPair, alipay_keys: KeyPair) -> Iterator[StubAlipay]:
    """The scripted Alipay, listening on a free port."""
    app = StubAlipay(alipay_keys.pkcs1_pem, app_keys.public_pem)
    with serve(app) as port:
        app.base_url = f"http://127.0.0.1:{port}"
        yield app


def credentials_for(app_keys: KeyPair, alipay_keys: KeyPair, gateway_url: str = "https://openapi.alipay.com/gateway.do",
                    **overrides: Any) -> AlipayCredentials:
    """Credentials for the test app."""
    fields: dict[str, Any] = {"app_id": APP_ID, "private_key_pem": app_keys.pkcs1_pem,
                              "alipay_public_key_pem": alipay_keys.public_pem,
              "gateway_url": gateway_url, "seller_id": SELLER_ID, "notify_url": "http://127.0.0.1:8000/v1/notify/alipay/101",
              "return_url": "http://shop.example/paid"} | overrides
    return AlipayCredentials(**fields)


@pytest.fixture
def gateway(stub: StubAlipay, app_keys: KeyPair, alipay_keys: KeyPair) -> Iterator[AlipayGateway]:
    """The adapter pointed at the stub, with a short timeout."""
    gw = AlipayGateway(credentials_for(app_keys, alipay_keys, f"{stub.base_url}/gateway.do"), timeout=0.5)
    yield gw
    gw.close_connections()


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """The real emulator on a free port, with the test app registered."""
    reason = emulator_missing()
    if reason:
        pytest.skip(reason)
    with running_emulator() as base_url:
        control(base_url, "POST", "/apps", app_id=APP_ID, app_public_key=key_pair(0).public_pem, seller_id=SELLER_ID)
        yield base_url


@pytest.fixture(scope="session")
def receiver() -> Iterator[tuple[NotifyReceiver, str]]:
    """Where the emulator sends notifications, and its URL."""
    app = NotifyReceiver()
    with serve(app) as port:
        yield app, f"http://127.0.0.1:{port}/v1/notify/alipay/101"


@pytest.fixture
def emulated(emulator_url: str, receiver: tuple[NotifyReceiver, str], app_keys: KeyPair) -> Iterator[AlipayGateway]:
    """The adapter pointed at the emulator, trusting the emulator's public key, notified at the receiver."""
    alipay_public_key = control(emulator_url, "GET", "/public-key")
    credentials = credentials_for(app_keys, key_pair(1), f"{emulator_url}/gateway.do",
                                  alipay_public_key_pem=alipay_public_key, notify_url=receiver[1])
    gw = AlipayGateway(credentials, timeout=0.5)
    yield gw
    gw.close_connections()
