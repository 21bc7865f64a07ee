"""RSA2 and the wire formats, cross-checked against the official SDK's own implementation."""

from __future__ import annotations

import pytest
from alipay.aop.api.util.SignatureUtils import get_sign_content, sign_with_rsa2, verify_with_rsa

from emulator.alipay import wire
from emulator.alipay.signing import load_private_key, load_public_key, rsa2_sign, rsa2_verify, sign_content
from tests.rsa_keys import key_pair

PARAMS = {"method": "alipay.trade.query", "app_id": "2021", "biz_content": '{"out_trade_no":"订单1"}',
          "charset": "utf-8", "sign_type": "RSA2"}


def test_sign_content_sorts_keys_skips_sign_and_empty_values_and_does_not_url_encode() -> None:
    params = {"b": "2", "a": "x y&z", "sign": "s", "empty": ""}
    assert sign_content(params) == "a=x y&z&b=2"


def test_sign_content_matches_the_sdk_for_the_parameters_it_signs() -> None:
    assert sign_content(PARAMS) == get_sign_content(PARAMS)


def test_a_signature_made_by_the_sdk_verifies_here() -> None:
    keys = key_pair(0)
    signature = sign_with_rsa2(keys.pkcs1_pem, sign_content(PARAMS), "utf-8")
    assert rsa2_verify(load_public_key(keys.public_base64), sign_content(PARAMS), signature)


def test_a_signature_made_here_verifies_with_the_sdk() -> None:
    keys = key_pair(1)
    signature = rsa2_sign(load_private_key(keys.pkcs8_pem), "中文 content")
    assert verify_with_rsa(keys.public_base64, "中文 content".encode(), signature)


def test_a_signature_over_other_content_or_not_base64_does_not_verify() -> None:
    keys = key_pair(0)
    public = load_public_key(keys.public_pem)
    signature = rsa2_sign(load_private_key(keys.pkcs1_pem), "a=1")
    assert not rsa2_verify(public, "a=2", signature)
    assert not rsa2_verify(public, "a=1", "not base64!")


@pytest.mark.parametrize("form", ["pkcs1_pem", "pkcs8_pem", "pkcs8_base64"])
def test_private_keys_load_in_every_form_a_person_pastes(form: str) -> None:
    keys = key_pair(0)
    loaded = load_private_key(getattr(keys, form))
    assert loaded.public_key().public_numbers() == load_public_key(keys.public_pem).public_numbers()


def test_a_public_key_that_is_no_key_is_refused() -> None:
    with pytest.raises(ValueError, match="neither PEM nor base64"):
        load_public_key("not a key")


@pytest.mark.parametrize(("text", "fen"), [("0.1", 10), ("0.10", 10), ("12", 1200), ("99.99", 9999)])
def test_amounts_parse_to_fen(text: str, fen: int) -> None:
    assert wire.parse_amount(text) == fen


@pytest.mark.parametrize("text", ["0.101", "-1.00", "1e3", "", "abc"])
def test_amounts_with_a_third_decimal_or_a_sign_are_refused(text: str) -> None:
    with pytest.raises(wire.InvalidAmount):
        wire.parse_amount(text)


def test_amounts_are_written_with_two_decimals() -> None:
    assert [wire.format_amount(f) for f in (10, 0, 1200, -250)] == ["0.10", "0.00", "12.00", "-2.50"]


def test_trade_numbers_have_28_digits_and_buyer_ids_start_with_2088() -> None:
    number, buyer = wire.trade_no(wire.now()), wire.buyer_id()
    assert len(number) == 28
    assert number.isdigit()
    assert len(buyer) == 16
    assert buyer.startswith("2088")
