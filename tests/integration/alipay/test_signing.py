"""RSA2 with cryptography, against the SDK's own pure-Python signer, and its wiring into the SDK."""

from __future__ import annotations

import alipay.aop.api.DefaultAlipayClient as sdk_client
import pytest
from alipay.aop.api.util import SignatureUtils, WebUtils

from adapters.gateways.alipay import AlipayGateway, sdk
from adapters.gateways.alipay.signing import BadSignature, notify_sign_content, pkcs1_pem, sign_rsa2, verify_rsa2
from tests.integration.alipay.conftest import credentials_for
from tests.rsa_keys import KeyPair

CONTENT = 'app_id=2021000000000001&biz_content={"out_trade_no":"T1","total_amount":"0.10"}&charset=utf-8&method=x'


def test_our_signature_equals_the_sdk_pure_python_signature(app_keys: KeyPair) -> None:
    ours = sign_rsa2(app_keys.pkcs1_pem, CONTENT, "utf-8")
    theirs = SignatureUtils.sign_with_rsa2(app_keys.pkcs1_pem, CONTENT, "utf-8")
    assert ours == theirs  # PKCS#1 v1.5 is deterministic


def test_each_signer_verifies_the_other(app_keys: KeyPair) -> None:
    theirs = SignatureUtils.sign_with_rsa2(app_keys.pkcs1_pem, CONTENT, "utf-8")
    assert verify_rsa2(app_keys.public_pem, CONTENT.encode(), theirs)
    ours = sign_rsa2(app_keys.pkcs1_pem, CONTENT)
    assert SignatureUtils.verify_with_rsa(app_keys.public_pem, CONTENT.encode(), ours)


def test_chinese_text_is_signed_as_utf8_like_the_sdk(app_keys: KeyPair) -> None:
    text = "subject=论文润色&total_amount=99.90"
    assert sign_rsa2(app_keys.pkcs1_pem, text) == SignatureUtils.sign_with_rsa2(app_keys.pkcs1_pem, text, "utf-8")


def test_pkcs8_and_bare_base64_private_keys_sign_like_pkcs1(app_keys: KeyPair) -> None:
    expected = sign_rsa2(app_keys.pkcs1_pem, CONTENT)
    assert sign_rsa2(app_keys.pkcs8_pem, CONTENT) == expected
    assert sign_rsa2(app_keys.pkcs8_base64, CONTENT) == expected
    assert pkcs1_pem(app_keys.pkcs8_pem) == app_keys.pkcs1_pem


def test_a_bare_base64_public_key_verifies(app_keys: KeyPair) -> None:
    assert verify_rsa2(app_keys.public_base64, CONTENT, sign_rsa2(app_keys.pkcs1_pem, CONTENT))


@pytest.mark.parametrize("sign", ["", "not base64!", "AAAA"])
def test_a_bad_signature_raises_like_rsa_verify_does(app_keys: KeyPair, sign: str) -> None:
    with pytest.raises(BadSignature):
        verify_rsa2(app_keys.public_pem, CONTENT, sign)


def test_a_signature_by_another_key_does_not_verify(app_keys: KeyPair, stranger_keys: KeyPair) -> None:
    with pytest.raises(BadSignature):
        verify_rsa2(app_keys.public_pem, CONTENT, sign_rsa2(stranger_keys.pkcs1_pem, CONTENT))


def test_notify_sign_content_drops_sign_sign_type_and_empty_values_and_sorts() -> None:
    form = {"b": "2", "sign": "x", "sign_type": "RSA2", "a": "1", "c": "", "subject": "论文"}
    assert notify_sign_content(form) == "a=1&b=2&subject=论文"


def test_the_sdk_module_calls_our_functions_after_install_and_install_is_idempotent(
    app_keys: KeyPair, alipay_keys: KeyPair
) -> None:
    AlipayGateway(credentials_for(app_keys, alipay_keys)).close_connections()
    sdk.install()
    AlipayGateway(credentials_for(app_keys, alipay_keys)).close_connections()
    assert sdk_client.sign_with_rsa2 is sdk.sign_with_rsa2
    assert sdk_client.verify_with_rsa is sdk.verify_with_rsa
    assert sdk_client.do_post is sdk.do_post
    # Only the SDK client's globals change: the SDK's own modules keep their originals.
    assert SignatureUtils.sign_with_rsa2 is not sdk.sign_with_rsa2
    assert WebUtils.do_post is not sdk.do_post


def test_the_stock_sdk_http_helper_breaks_on_a_port_in_the_url() -> None:
    # The quirk the transport exists for: get_http_connection adds an int port to a str (and would dial 80).
    with pytest.raises(TypeError):
        WebUtils.get_http_connection("http://127.0.0.1:9876/gateway.do", "a=1", 1)
