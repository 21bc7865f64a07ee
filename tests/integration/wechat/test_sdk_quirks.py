"""What wechatpayv3 does on its own, shown on the bare SDK: the reasons behind the adapter's workarounds.

If one of these starts failing after an SDK upgrade, the quirk is gone and its workaround may go too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from wechatpayv3 import WeChatPay, WeChatPayType

from tests.integration.wechat.wire import (
    API_V3_KEY,
    APPID,
    MCHID,
    MERCHANT_SERIAL,
    PUBLIC_KEY_ID,
    callback_body,
    encrypt,
    paid_resource,
    signed_headers,
)
from tests.rsa_keys import KeyPair


def bare_sdk(merchant_keys: KeyPair, **keys: Any) -> Any:
    """The SDK as its README builds it, at WeChat's real root."""
    return WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=MCHID, private_key=merchant_keys.pkcs8_pem,
                     cert_serial_no=MERCHANT_SERIAL, appid=APPID, apiv3_key=API_V3_KEY, notify_url="http://x/n",
                     **keys)


def paid_callback(wechat_keys: KeyPair, serial: str, timestamp: datetime) -> tuple[dict[str, str], bytes]:
    """A correctly signed TRANSACTION.SUCCESS callback."""
    body = callback_body("TRANSACTION.SUCCESS", encrypt(paid_resource()))
    return signed_headers(wechat_keys.pkcs8_pem, serial, body, int(timestamp.timestamp())), body


def test_the_sdks_certificate_mode_downloads_certificates_at_construction(
        outbound: list[str], merchant_keys: KeyPair) -> None:
    """Why the adapter always constructs the SDK in public-key mode."""
    with pytest.raises(AssertionError):
        bare_sdk(merchant_keys)

    assert outbound == ["GET https://api.mch.weixin.qq.com/v3/certificates"]


def test_the_sdk_cannot_read_a_pkcs1_private_key(merchant_keys: KeyPair, wechat_keys: KeyPair) -> None:
    """Why the adapter converts a PKCS#1 key to PKCS#8 first."""
    with pytest.raises(Exception, match="failed to load private key"):
        WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=MCHID, private_key=merchant_keys.pkcs1_pem,
                  cert_serial_no=MERCHANT_SERIAL, appid=APPID, apiv3_key=API_V3_KEY,
                  public_key=wechat_keys.public_pem, public_key_id=PUBLIC_KEY_ID)


def test_the_sdks_callback_calls_out_for_an_unknown_serial(outbound: list[str], merchant_keys: KeyPair,
                                                           wechat_keys: KeyPair) -> None:
    """Why the adapter checks the serial itself: the SDK refreshes certificates first, an outbound call."""
    sdk = bare_sdk(merchant_keys, public_key=wechat_keys.public_pem, public_key_id=PUBLIC_KEY_ID)
    headers, body = paid_callback(wechat_keys, "7E57AB1E", datetime.now(UTC))

    with pytest.raises(AssertionError):
        sdk.callback(headers, body)

    assert outbound == ["GET https://api.mch.weixin.qq.com/v3/certificates"]


def test_the_sdks_callback_accepts_a_day_old_timestamp(outbound: list[str], merchant_keys: KeyPair,
                                                       wechat_keys: KeyPair) -> None:
    """Why the adapter checks freshness itself: the SDK never looks at the timestamp."""
    sdk = bare_sdk(merchant_keys, public_key=wechat_keys.public_pem, public_key_id=PUBLIC_KEY_ID)
    headers, body = paid_callback(wechat_keys, PUBLIC_KEY_ID, datetime.now(UTC) - timedelta(days=1))

    assert sdk.callback(headers, body) is not None


def test_the_sdk_has_no_base_url_parameter_only_a_private_gate_way(merchant_keys: KeyPair,
                                                                   wechat_keys: KeyPair) -> None:
    """Why the adapter sets `_core._gate_way` to reach gateway_url."""
    with pytest.raises(TypeError):
        bare_sdk(merchant_keys, public_key=wechat_keys.public_pem, public_key_id=PUBLIC_KEY_ID,
                 gateway_url="http://127.0.0.1:9100")
    sdk = bare_sdk(merchant_keys, public_key=wechat_keys.public_pem, public_key_id=PUBLIC_KEY_ID)
    assert sdk._core._gate_way == "https://api.mch.weixin.qq.com"


def test_the_sdk_sets_no_timeout_unless_given_one(merchant_keys: KeyPair, wechat_keys: KeyPair) -> None:
    """Why the adapter always passes `timeout`: requests would otherwise wait forever."""
    sdk = bare_sdk(merchant_keys, public_key=wechat_keys.public_pem, public_key_id=PUBLIC_KEY_ID)
    assert sdk._core._timeout is None
