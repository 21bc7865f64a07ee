"""Public keys and fingerprints: PEM, PKCS#1, base64 and certificates alike; private keys refused here."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from adapters.crypto.keys import RsaKeyInspector
from application.errors import InvalidKeyMaterial
from tests.unit.crypto.key_forms import (
    DER,
    PEM,
    PRIVATE_FORMS,
    PUBLIC_FORMS,
    SPKI,
    KeyForms,
    assert_not_echoed,
    one_line,
)


def refusal(inspector: RsaKeyInspector, text: str) -> InvalidKeyMaterial:
    """The refusal of the text as a public key, checked not to echo it."""
    with pytest.raises(InvalidKeyMaterial) as caught:
        inspector.public_key(text)
    assert_not_echoed(text, caught.value)
    return caught.value


@pytest.mark.parametrize("form", PUBLIC_FORMS)
def test_every_public_form_becomes_subject_public_key_info_pem(inspector: RsaKeyInspector, forms: KeyForms,
                                                               form: str) -> None:
    pem = inspector.public_key(getattr(forms, form))
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert pem == forms.spki_pem


def test_a_normalised_public_key_normalises_to_itself(inspector: RsaKeyInspector, forms: KeyForms) -> None:
    assert inspector.public_key(inspector.public_key(forms.cert_base64)) == forms.spki_pem


@pytest.mark.parametrize("form", PRIVATE_FORMS)
def test_a_private_key_where_a_public_key_belongs_is_refused(inspector: RsaKeyInspector, forms: KeyForms,
                                                             form: str) -> None:
    error = refusal(inspector, getattr(forms, form))
    assert error.extra == {"reason": "this is a private key; only the public key belongs here"}


@pytest.mark.parametrize("text", ["", "hello", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"])
def test_garbage_is_not_a_public_key(inspector: RsaKeyInspector, text: str) -> None:
    assert refusal(inspector, text).extra == {"reason": "not a PEM or base64 RSA public key or certificate"}


def test_a_non_rsa_public_key_is_refused(inspector: RsaKeyInspector) -> None:
    ec_public = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(PEM, SPKI).decode()
    assert refusal(inspector, ec_public).extra == {"reason": "this is an EC key; providers need an RSA key"}


def test_a_public_key_under_2048_bits_is_refused(inspector: RsaKeyInspector, small_key: rsa.RSAPrivateKey) -> None:
    small_public = one_line(small_key.public_key().public_bytes(DER, SPKI))
    error = refusal(inspector, small_public)
    assert error.extra == {"reason": "RSA key is 1024 bits; providers need at least 2048"}


@pytest.mark.parametrize("form", PRIVATE_FORMS)
def test_the_public_half_of_every_private_form(inspector: RsaKeyInspector, forms: KeyForms, form: str) -> None:
    assert inspector.public_key_of(getattr(forms, form)) == forms.spki_pem


def test_the_public_half_of_a_public_key_is_refused(inspector: RsaKeyInspector, forms: KeyForms) -> None:
    with pytest.raises(InvalidKeyMaterial, match="this is a public key; a private key belongs here"):
        inspector.public_key_of(forms.spki_pem)


def test_a_private_key_fingerprint_matches_its_public_key_from_any_source(inspector: RsaKeyInspector,
                                                                          forms: KeyForms) -> None:
    private = inspector.private_key(forms.pkcs1_base64, pkcs8=False)
    expected = inspector.fingerprint(private)
    assert inspector.fingerprint(inspector.public_key_of(private)) == expected
    assert inspector.fingerprint(inspector.public_key(forms.spki_base64)) == expected
    assert inspector.fingerprint(forms.pkcs8_pem) == expected
    assert inspector.fingerprint(forms.cert_pem) == expected


def test_the_fingerprint_is_the_sha256_of_the_public_key_der(inspector: RsaKeyInspector, forms: KeyForms) -> None:
    der = forms.key.public_key().public_bytes(DER, SPKI)
    assert inspector.fingerprint(forms.pkcs1_pem) == "sha256:" + hashlib.sha256(der).hexdigest()


def test_fingerprints_differ_between_keys(inspector: RsaKeyInspector, forms: KeyForms,
                                          other_forms: KeyForms) -> None:
    assert inspector.fingerprint(forms.spki_pem) != inspector.fingerprint(other_forms.spki_pem)


def test_a_fingerprint_of_garbage_is_refused(inspector: RsaKeyInspector) -> None:
    with pytest.raises(InvalidKeyMaterial, match="not a PEM or base64 RSA key"):
        inspector.fingerprint("not a key")
