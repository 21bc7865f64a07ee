"""RSA test keys, generated once per session (generation is slow), in every form people paste."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from adapters.crypto.keys import RsaKeyInspector

PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER
PKCS1, PKCS8 = serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8
SPKI, PKCS1_PUBLIC = serialization.PublicFormat.SubjectPublicKeyInfo, serialization.PublicFormat.PKCS1


@dataclass(frozen=True)
class KeyForms:
    """One RSA key pair and its certificate, in every accepted text form."""

    key: rsa.RSAPrivateKey
    pkcs1_pem: str
    pkcs8_pem: str
    pkcs1_base64: str
    pkcs8_base64: str
    spki_pem: str
    pkcs1_public_pem: str
    spki_base64: str
    pkcs1_public_base64: str
    cert_pem: str
    cert_base64: str


def one_line(der: bytes) -> str:
    """Bare base64 on one line, the way Alipay's console shows a key."""
    return base64.b64encode(der).decode()


def private_text(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, fmt: serialization.PrivateFormat,
                 encryption: serialization.KeySerializationEncryption | None = None) -> str:
    """The key as PEM, unencrypted unless told."""
    return key.private_bytes(PEM, fmt, encryption or serialization.NoEncryption()).decode()


def self_signed(key: rsa.RSAPrivateKey) -> x509.Certificate:
    """A one-day self-signed certificate for the key, standing in for a provider's certificate."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "paycore test")])
    now = dt.datetime.now(dt.UTC)
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
    builder = builder.serial_number(x509.random_serial_number()).not_valid_before(now)
    return builder.not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256())


def forms_of(key: rsa.RSAPrivateKey) -> KeyForms:
    """Every text form of the key pair."""
    public = key.public_key()
    cert = self_signed(key)
    return KeyForms(
        key=key,
        pkcs1_pem=private_text(key, PKCS1),
        pkcs8_pem=private_text(key, PKCS8),
        pkcs1_base64=one_line(key.private_bytes(DER, PKCS1, serialization.NoEncryption())),
        pkcs8_base64=one_line(key.private_bytes(DER, PKCS8, serialization.NoEncryption())),
        spki_pem=public.public_bytes(PEM, SPKI).decode(),
        pkcs1_public_pem=public.public_bytes(PEM, PKCS1_PUBLIC).decode(),
        spki_base64=one_line(public.public_bytes(DER, SPKI)),
        pkcs1_public_base64=one_line(public.public_bytes(DER, PKCS1_PUBLIC)),
        cert_pem=cert.public_bytes(PEM).decode(),
        cert_base64=one_line(cert.public_bytes(DER)),
    )


@pytest.fixture(scope="session")
def forms() -> KeyForms:
    """A 2048-bit RSA key pair in every form."""
    return forms_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def other_forms() -> KeyForms:
    """A second, unrelated key pair."""
    return forms_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def small_key() -> rsa.RSAPrivateKey:
    """A 1024-bit key: too small for the providers."""
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused on purpose


@pytest.fixture
def inspector() -> RsaKeyInspector:
    """The inspector under test."""
    return RsaKeyInspector()
