"""RSA test keys in every text form people paste, and checks shared by the key tests."""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from application.errors import InvalidKeyMaterial

PEM, DER = serialization.Encoding.PEM, serialization.Encoding.DER
PKCS1, PKCS8 = serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8
SPKI, PKCS1_PUBLIC = serialization.PublicFormat.SubjectPublicKeyInfo, serialization.PublicFormat.PKCS1
PRIVATE_FORMS = ["pkcs1_pem", "pkcs8_pem", "pkcs1_base64", "pkcs8_base64"]
PUBLIC_FORMS = ["spki_pem", "pkcs1_public_pem", "spki_base64", "pkcs1_public_base64", "cert_pem", "cert_base64"]


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


def assert_not_echoed(text: str, error: InvalidKeyMaterial) -> None:
    """No run of the key's base64 appears in the error."""
    said = f"{error.message} {error.extra}"
    for run in re.findall(r"[A-Za-z0-9+/]{24,}", text):
        assert run not in said
