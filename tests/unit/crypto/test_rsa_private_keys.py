"""Private keys: every form people paste is accepted and normalised; every wrong one refused with a reason."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from adapters.crypto.keys import RsaKeyInspector
from application.errors import InvalidKeyMaterial
from application.ports.crypto import KeyInspector
from tests.unit.crypto.key_forms import (
    DER,
    PKCS1,
    PKCS8,
    PRIVATE_FORMS,
    PUBLIC_FORMS,
    KeyForms,
    assert_not_echoed,
    one_line,
    private_text,
)


def refusal(inspector: RsaKeyInspector, text: str, *, pkcs8: bool = False) -> InvalidKeyMaterial:
    """The refusal of the text as a private key, checked not to echo it."""
    with pytest.raises(InvalidKeyMaterial) as caught:
        inspector.private_key(text, pkcs8=pkcs8)
    assert_not_echoed(text, caught.value)
    return caught.value


def test_the_inspector_is_a_key_inspector(inspector: RsaKeyInspector) -> None:
    keys: KeyInspector = inspector
    assert "BEGIN" not in repr(keys)


@pytest.mark.parametrize("form", PRIVATE_FORMS)
def test_every_private_form_becomes_pkcs1_pem_for_alipay(inspector: RsaKeyInspector, forms: KeyForms,
                                                         form: str) -> None:
    pem = inspector.private_key(getattr(forms, form), pkcs8=False)
    assert pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert pem == forms.pkcs1_pem


@pytest.mark.parametrize("form", PRIVATE_FORMS)
def test_every_private_form_becomes_pkcs8_pem_for_wechat(inspector: RsaKeyInspector, forms: KeyForms,
                                                         form: str) -> None:
    pem = inspector.private_key(getattr(forms, form), pkcs8=True)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert pem == forms.pkcs8_pem


def test_pkcs1_is_the_default(inspector: RsaKeyInspector, forms: KeyForms) -> None:
    assert inspector.private_key(forms.pkcs8_pem) == forms.pkcs1_pem


def test_base64_wrapped_over_indented_lines_is_accepted(inspector: RsaKeyInspector, forms: KeyForms) -> None:
    wrapped = "\n".join("    " + forms.pkcs8_base64[i:i + 64] for i in range(0, len(forms.pkcs8_base64), 64))
    assert inspector.private_key(f"\n{wrapped}\n  ", pkcs8=True) == forms.pkcs8_pem


def test_pem_with_literal_backslash_n_from_json_is_accepted(inspector: RsaKeyInspector, forms: KeyForms) -> None:
    assert inspector.private_key(forms.pkcs1_pem.replace("\n", "\\n")) == forms.pkcs1_pem


def test_pem_indented_by_a_yaml_paste_is_accepted(inspector: RsaKeyInspector, forms: KeyForms) -> None:
    indented = "\n".join("  " + line for line in forms.pkcs8_pem.splitlines())
    assert inspector.private_key(indented) == forms.pkcs1_pem


@pytest.mark.parametrize("fmt", [PKCS1, PKCS8])
def test_an_encrypted_pem_key_is_refused(inspector: RsaKeyInspector, forms: KeyForms,
                                         fmt: serialization.PrivateFormat) -> None:
    encrypted = private_text(forms.key, fmt, serialization.BestAvailableEncryption(b"passphrase"))
    assert refusal(inspector, encrypted).extra["reason"] == "the key is encrypted; export it without a passphrase"


def test_an_encrypted_base64_der_key_is_refused(inspector: RsaKeyInspector, forms: KeyForms) -> None:
    der = forms.key.private_bytes(DER, PKCS8, serialization.BestAvailableEncryption(b"passphrase"))
    assert "encrypted" in refusal(inspector, one_line(der)).extra["reason"]


def test_a_non_rsa_key_is_refused(inspector: RsaKeyInspector) -> None:
    ec_key = private_text(ec.generate_private_key(ec.SECP256R1()), PKCS8)
    assert refusal(inspector, ec_key).extra["reason"] == "this is an EC key; providers need an RSA key"


@pytest.mark.parametrize("fmt", [PKCS1, PKCS8])
def test_a_key_under_2048_bits_is_refused(inspector: RsaKeyInspector, small_key: rsa.RSAPrivateKey,
                                          fmt: serialization.PrivateFormat) -> None:
    error = refusal(inspector, private_text(small_key, fmt))
    assert error.extra["reason"] == "RSA key is 1024 bits; providers need at least 2048"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "not a key", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
     base64.b64encode(b"\x30\x82 definitely not DER " * 4).decode(), "MIIE***"],
    ids=["empty", "blank", "words", "broken pem", "base64 junk", "bad base64"],
)
def test_garbage_is_refused(inspector: RsaKeyInspector, text: str) -> None:
    error = refusal(inspector, text)
    assert error.extra == {"reason": "not a PEM or base64 RSA private key"}
    assert error.message == "unusable private key: not a PEM or base64 RSA private key"


@pytest.mark.parametrize("form", PUBLIC_FORMS)
def test_a_public_key_where_a_private_key_belongs_is_refused(inspector: RsaKeyInspector, forms: KeyForms,
                                                             form: str) -> None:
    error = refusal(inspector, getattr(forms, form), pkcs8=True)
    assert error.extra["reason"] == "this is a public key; a private key belongs here"
