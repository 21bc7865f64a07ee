"""Building the gateway: no network call in either key mode, every key form accepted, bad config refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.gateways.wechat import WeChatGateway, wechat_gateway_from_config
from adapters.gateways.wechat.config import SETTINGS
from application.errors import InvalidKeyMaterial
from application.records import PaymentConfig
from domain.kinds import PaymentType
from tests.integration.wechat.conftest import CONFIG, credentials_for
from tests.integration.wechat.stub import StubWeChat
from tests.integration.wechat.wire import API_V3_KEY, APPID, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, payment
from tests.rsa_keys import KeyPair


def test_public_key_mode_makes_no_network_call_at_construction(
        outbound: list[str], merchant_keys: KeyPair, wechat_keys: KeyPair, platform_cert: str) -> None:
    WeChatGateway(credentials_for("public_key", merchant_keys, wechat_keys, platform_cert))

    assert outbound == []


def test_certificate_mode_with_a_configured_certificate_makes_no_network_call_at_construction(
        outbound: list[str], merchant_keys: KeyPair, wechat_keys: KeyPair, platform_cert: str) -> None:
    WeChatGateway(credentials_for("certificate", merchant_keys, wechat_keys, platform_cert))

    assert outbound == []


@pytest.mark.parametrize("form", ["pkcs1_pem", "pkcs8_pem", "pkcs8_base64"])
async def test_a_pkcs1_pkcs8_or_bare_base64_private_key_signs_requests_wechat_accepts(
        form: str, mode: str, stub: StubWeChat, merchant_keys: KeyPair, wechat_keys: KeyPair,
        platform_cert: str) -> None:
    credentials = credentials_for(mode, merchant_keys, wechat_keys, platform_cert, stub.base_url,
                                  private_key_pem=getattr(merchant_keys, form))

    await WeChatGateway(credentials, timeout=0.5).create(payment(), CONFIG)

    assert stub.seen[-1].auth_ok


@pytest.mark.parametrize("mode", ["public_key"])
async def test_a_bare_base64_wechat_public_key_verifies_answers(mode: str, stub: StubWeChat, merchant_keys: KeyPair,
                                                                 wechat_keys: KeyPair, platform_cert: str) -> None:
    credentials = credentials_for(mode, merchant_keys, wechat_keys, platform_cert, stub.base_url,
                                  wechat_public_key_pem=wechat_keys.public_base64)

    checkout = await WeChatGateway(credentials, timeout=0.5).create(payment(), CONFIG)

    assert checkout.code_url


@pytest.mark.parametrize(("overrides", "message"), [
    ({"api_v3_key": "too-short"}, "32 bytes"),
    ({"wechat_public_key_id": ""}, "both"),
    ({"wechat_public_key_pem": "", "wechat_public_key_id": ""}, "public key and its id, or a platform certificate"),
    ({"private_key_pem": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----"}, "private key"),
    ({"wechat_public_key_pem": "bm90IGEga2V5"}, "public key"),
    ({"platform_cert_pems": ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",)}, "certificate"),
])
def test_unusable_credentials_are_refused_with_a_reason(outbound: list[str], merchant_keys: KeyPair,
                                                        wechat_keys: KeyPair, platform_cert: str,
                                                        overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidKeyMaterial, match=message):
        WeChatGateway(credentials_for("public_key", merchant_keys, wechat_keys, platform_cert, **overrides))
    assert outbound == []


def test_credentials_never_print_their_secrets(merchant_keys: KeyPair, wechat_keys: KeyPair,
                                               platform_cert: str) -> None:
    gateway = WeChatGateway(credentials_for("public_key", merchant_keys, wechat_keys, platform_cert))

    shown = repr(gateway)
    assert API_V3_KEY not in shown
    assert "PRIVATE" not in shown
    assert MCHID in shown


def config_of(wechat_keys: KeyPair, **fields: Any) -> PaymentConfig:
    """A stored WeChat config; its WeChat settings (wechat_public_key, ...) given as fields too."""
    given = {k: fields.pop(k) for k in SETTINGS if k in fields}
    settings = {"mch_id": MCHID, "cert_serial_no": MERCHANT_SERIAL, **given}
    return PaymentConfig(config_id=201, payment_type=PaymentType.WECHAT, config_name="wx", app_id=APPID,
                         settings=settings, **fields)


async def test_gateway_from_config_in_public_key_mode_reaches_the_configured_root(
        stub: StubWeChat, mode: str, merchant_keys: KeyPair, wechat_keys: KeyPair, platform_cert: str) -> None:
    keys: dict[str, str] = ({"wechat_public_key": wechat_keys.public_pem, "wechat_public_key_id": PUBLIC_KEY_ID}
                            if mode == "public_key" else {"wechat_platform_cert": platform_cert})
    config = config_of(wechat_keys, gateway_url=stub.base_url, **keys)
    secrets = {"private_key": merchant_keys.pkcs1_pem, "api_v3_key": API_V3_KEY}

    gateway = wechat_gateway_from_config(config, secrets, "http://paycore.example/v1/notify/wechat/201", 0.5)
    await gateway.create(payment(), config)

    assert stub.seen[-1].auth_ok
    assert stub.seen[-1].body is not None
    assert stub.seen[-1].body["notify_url"] == "http://paycore.example/v1/notify/wechat/201"
    assert gateway.credentials.public_key_mode is (mode == "public_key")


def test_gateway_from_config_reads_the_private_key_file_when_no_secret_holds_it(
        outbound: list[str], tmp_path: Path, merchant_keys: KeyPair, wechat_keys: KeyPair) -> None:
    key_file = tmp_path / "apiclient_key.pem"
    key_file.write_text(merchant_keys.pkcs8_pem)
    config = config_of(wechat_keys, wechat_public_key=wechat_keys.public_pem, wechat_public_key_id=PUBLIC_KEY_ID,
                       private_cert_path=str(key_file))

    gateway = wechat_gateway_from_config(config, {"api_v3_key": API_V3_KEY}, "http://n", 10.0)

    assert gateway.credentials.gateway_url == "https://api.mch.weixin.qq.com"
    assert outbound == []


def test_gateway_from_config_without_any_private_key_is_refused(wechat_keys: KeyPair) -> None:
    config = config_of(wechat_keys, wechat_public_key=wechat_keys.public_pem, wechat_public_key_id=PUBLIC_KEY_ID)

    with pytest.raises(InvalidKeyMaterial, match="no private key"):
        wechat_gateway_from_config(config, {"api_v3_key": API_V3_KEY}, "http://n", 10.0)
