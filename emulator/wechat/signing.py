"""WeChat Pay v3's cryptography: RSA-SHA256 over newline-terminated lines, the Authorization header, AES-256-GCM."""

from __future__ import annotations

import base64
import binascii
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEME = "WECHATPAY2-SHA256-RSA2048"
AUTH_FIELDS = ("mchid", "nonce_str", "signature", "timestamp", "serial_no")
_PAIR = re.compile(r'\s*(\w+)\s*=\s*"([^"]*)"\s*')


def message(*lines: str) -> bytes:
    """What WeChat signs: every line followed by a newline, in UTF-8."""
    return "".join(line + "\n" for line in lines).encode("utf-8")


def sign(key: rsa.RSAPrivateKey, *lines: str) -> str:
    """The base64 SHA256withRSA (PKCS#1 v1.5) signature of the lines."""
    return base64.b64encode(key.sign(message(*lines), padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def verify(key: rsa.RSAPublicKey, signature: str, *lines: str) -> bool:
    """Whether signature is a valid base64 SHA256withRSA signature of the lines."""
    try:
        key.verify(base64.b64decode(signature, validate=True), message(*lines), padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def parse_authorization(header: str) -> dict[str, str] | None:
    """The fields of `WECHATPAY2-SHA256-RSA2048 mchid="…",…`, or None when the scheme or a field is missing."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme != SCHEME:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        match = _PAIR.fullmatch(part)
        if match is None:
            return None
        fields[match.group(1)] = match.group(2)
    return fields if all(fields.get(name) for name in AUTH_FIELDS) else None


def encrypt(api_v3_key: str, nonce: str, associated_data: str, plaintext: str) -> str:
    """base64 of AES-256-GCM ciphertext and tag under the merchant's APIv3 key."""
    sealed = AESGCM(api_v3_key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8")
    )
    return base64.b64encode(sealed).decode("ascii")
