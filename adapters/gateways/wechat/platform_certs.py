"""WeChat Pay's platform certificates as `GET /v3/certificates` hands them out: decrypted with the APIv3 key,
checked, and trusted only when the answer's signature verifies.

Trust: each certificate arrives AES-256-GCM encrypted under the merchant's APIv3 key, which only WeChat and the
merchant know, so a certificate that decrypts (the GCM tag checks) came from WeChat. The answer must then be signed
by a key paycore already trusts or by one of the certificates it delivers: WeChat signs with its newest certificate,
which is the very one a config does not know yet when WeChat has switched to it before paycore refreshed. An answer
signed under any other serial, a certificate that does not decrypt or whose serial is not the one announced, is
refused whole; an expired certificate is dropped.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.gateways.wechat.callbacks import check_headers
from adapters.gateways.wechat.keys import serial_hex
from application.errors import NotificationRejected

PATH = "/v3/certificates"
Lookup = Callable[[str, datetime], rsa.RSAPublicKey | None]  # a serial → the key already trusted for it


class CertificatesRefused(Exception):
    """A /v3/certificates answer paycore does not trust, or cannot read."""


def certificates_answer(headers: Mapping[str, str], body: str, api_v3_key: str, trusted: Lookup,
                        now: datetime) -> list[x509.Certificate]:
    """The unexpired certificates of a signed /v3/certificates answer (headers with lower-case names)."""
    items = _items(body)
    delivered = [_decrypted(item, api_v3_key) for item in items]
    _verify(headers, body, trusted, delivered, now)
    return [cert for cert in delivered if cert.not_valid_after_utc > now]


def pem_of(cert: x509.Certificate) -> str:
    """A certificate as PEM text."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _items(body: str) -> list[Mapping[str, Any]]:
    try:
        answer = json.loads(body)
    except ValueError as e:
        raise CertificatesRefused("WeChat's certificate answer is not JSON") from e
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list) or not data or not all(isinstance(item, Mapping) for item in data):
        raise CertificatesRefused("WeChat's certificate answer has no data[] of certificates")
    return data


def _decrypted(item: Mapping[str, Any], api_v3_key: str) -> x509.Certificate:
    sealed = item.get("encrypt_certificate")
    if not isinstance(sealed, Mapping) or sealed.get("algorithm") != "AEAD_AES_256_GCM":
        raise CertificatesRefused("a certificate is not encrypted with AEAD_AES_256_GCM")
    nonce, associated, ciphertext = (str(sealed.get(name) or "") for name in ("nonce", "associated_data",
                                                                                "ciphertext"))
    if not nonce or not ciphertext:
        raise CertificatesRefused("a certificate lacks its nonce or ciphertext")
    try:
        pem = AESGCM(api_v3_key.encode("utf-8")).decrypt(nonce.encode(), base64.b64decode(ciphertext, validate=True),
                                                         associated.encode())
        cert = x509.load_pem_x509_certificate(pem)
    except (binascii.Error, InvalidTag) as e:
        raise CertificatesRefused("a certificate does not decrypt with the APIv3 key: not from WeChat, or the "
                                  "config's api_v3_key is not the one set in the merchant console") from e
    except ValueError as e:
        raise CertificatesRefused("a decrypted certificate is not a readable PEM certificate") from e
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        raise CertificatesRefused("a platform certificate does not hold an RSA key")
    announced = str(item.get("serial_no", ""))
    if not _names(announced, cert):
        raise CertificatesRefused(f"certificate {serial_hex(cert)} was announced as serial {announced[:64]!r}")
    return cert


def _verify(headers: Mapping[str, str], body: str, trusted: Lookup, delivered: list[x509.Certificate],
            now: datetime) -> None:
    try:
        serial = check_headers(headers, now)  # signature type, probe, timestamp window, serial shape
    except NotificationRejected as e:
        raise CertificatesRefused(f"WeChat's certificate answer is not signed as WeChat signs: {e.message}") from e
    key = trusted(serial, now) or _delivered_key(serial, delivered, now)
    if key is None:
        raise CertificatesRefused(f"WeChat's certificate answer is signed under serial {serial[:64]!r}, which is "
                                  "neither trusted nor one of the certificates it delivers")
    message = f"{headers['wechatpay-timestamp']}\n{headers['wechatpay-nonce']}\n{body}\n".encode()
    try:
        key.verify(base64.b64decode(headers["wechatpay-signature"], validate=True), message, padding.PKCS1v15(),
                   hashes.SHA256())
    except (binascii.Error, ValueError, InvalidSignature) as e:
        raise CertificatesRefused("WeChat's certificate answer signature does not verify") from e


def _delivered_key(serial: str, delivered: list[x509.Certificate], now: datetime) -> rsa.RSAPublicKey | None:
    for cert in delivered:
        if _names(serial, cert) and cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            key = cert.public_key()
            assert isinstance(key, rsa.RSAPublicKey)  # _decrypted refuses other keys
            return key
    return None


def _names(serial: str, cert: x509.Certificate) -> bool:
    """Whether a serial as WeChat writes it (hex, any case) is the certificate's."""
    if not serial or len(serial) > 64 or any(c not in "0123456789abcdefABCDEF" for c in serial):
        return False
    return int(serial, 16) == cert.serial_number
