"""Keys, credentials, a clock, a network tripwire and a scripted WeChat Pay API on a real port."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from adapters.gateways.wechat import WeChatCredentials, WeChatGateway
from application.records import PaymentConfig
from domain.kinds import PaymentType
from tests.integration.wechat.stub import StubWeChat, Switch, serve
from tests.integration.wechat.wire import (
    API_V3_KEY,
    APPID,
    CERT_SERIAL,
    MCHID,
    MERCHANT_SERIAL,
    NOTIFY_URL,
    PUBLIC_KEY_ID,
    T0,
    certificate,
)
from tests.rsa_keys import KeyPair, key_pair

CONFIG = PaymentConfig(config_id=201, payment_type=PaymentType.WECHAT, config_name="wechat test", app_id=APPID,
                       settings={"mch_id": MCHID})
MODES = ["public_key", "certificate"]


@pytest.fixture(scope="session")
def merchant_keys() -> KeyPair:
    """The merchant's API key pair."""
    return key_pair(0)


@pytest.fixture(scope="session")
def wechat_keys() -> KeyPair:
    """WeChat Pay's key pair: its public half is the merchant's "WeChat Pay public key"."""
    return key_pair(1)


@pytest.fixture(scope="session")
def stranger_keys() -> KeyPair:
    """A key pair nobody configured: forgeries are signed with it."""
    return key_pair(2)


@pytest.fixture(scope="session")
def platform_cert(wechat_keys: KeyPair) -> str:
    """A platform certificate for WeChat's key, serial CERT_SERIAL, valid around T0 and today."""
    return certificate(wechat_keys.public_pem, wechat_keys.pkcs8_pem, start=T0 - timedelta(days=5 * 365),
                       days=10 * 365)


class Clock:
    """A clock the test moves."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock() -> Clock:
    """Stands at T0."""
    return Clock(T0)


@pytest.fixture
def outbound(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A tripwire: every HTTP request through `requests` is recorded and fails the call."""
    calls: list[str] = []

    def refuse(self: requests.Session, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        calls.append(f"{method.upper()} {url}")
        raise AssertionError(f"unexpected outbound request: {method} {url}")

    monkeypatch.setattr(requests.Session, "request", refuse)
    return calls


def credentials_for(mode: str, merchant_keys: KeyPair, wechat_keys: KeyPair, platform_cert: str,
                    gateway_url: str = "https://api.mch.weixin.qq.com", **overrides: Any) -> WeChatCredentials:
    """The test merchant's credentials in public-key or certificate mode."""
    fields: dict[str, Any] = {
        "mchid": MCHID, "appid": APPID, "private_key_pem": merchant_keys.pkcs8_pem,
        "cert_serial_no": MERCHANT_SERIAL, "api_v3_key": API_V3_KEY, "gateway_url": gateway_url,
        "notify_url": NOTIFY_URL,
    }
    if mode == "public_key":
        fields |= {"wechat_public_key_pem": wechat_keys.public_pem, "wechat_public_key_id": PUBLIC_KEY_ID}
    else:
        fields |= {"platform_cert_pems": (platform_cert,)}
    return WeChatCredentials(**(fields | overrides))


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Public-key mode or certificate mode."""
    return str(request.param)


@pytest.fixture(scope="session")
def server() -> Iterator[tuple[Switch, str]]:
    """One real server on a free loopback port for the session; each test puts its own stub behind it."""
    switch = Switch()
    with serve(switch) as port:
        yield switch, f"http://127.0.0.1:{port}"


@pytest.fixture
def stub(server: tuple[Switch, str], mode: str, merchant_keys: KeyPair, wechat_keys: KeyPair) -> Iterator[StubWeChat]:
    """The scripted WeChat Pay API, signing under the serial the mode names."""
    switch, base_url = server
    serial = PUBLIC_KEY_ID if mode == "public_key" else format(CERT_SERIAL, "X")
    switch.current = StubWeChat(wechat_keys.pkcs8_pem, serial, merchant_keys.public_pem, base_url=base_url)
    yield switch.current
    switch.current = None


@pytest.fixture
def gateway(stub: StubWeChat, mode: str, merchant_keys: KeyPair, wechat_keys: KeyPair, platform_cert: str,
            clock: Clock) -> WeChatGateway:
    """The adapter pointed at the stub, with a short timeout."""
    credentials = credentials_for(mode, merchant_keys, wechat_keys, platform_cert, stub.base_url)
    return WeChatGateway(credentials, timeout=0.5, now=clock)
