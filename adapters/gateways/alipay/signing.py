"""RSA2 (SHA256withRSA, PKCS#1 v1.5, base64) with `cryptography`, shaped like the SDK's own functions."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class BadSignature(Exception):
    """A signature that does not verify (or a key that cannot verify it); like `rsa.VerificationError`."""


def sign_rsa2(private_key: str, content: str | bytes, charset: str = "utf-8") -> str:
    """The base64 SHA256withRSA signature of `content` under a PKCS#1 or PKCS#8 private key."""
    data = content.encode(charset) if isinstance(content, str) else content
    signature = _private_key(private_key).sign(data, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify_rsa2(public_key: str, message: str | bytes, sign: str, charset: str = "utf-8") -> bool:
    """True when `sign` is the SHA256withRSA signature of `message`; BadSignature otherwise."""
    data = message.encode(charset) if isinstance(message, str) else message
    try:
        signature = base64.b64decode(sign, validate=True)
        _public_key(public_key).verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, ValueError, TypeError, UnsupportedAlgorithm, InvalidSignature) as e:
        raise BadSignature("the signature does not verify") from e
    return True


def notify_sign_content(form: Mapping[str, str]) -> str:
    """What Alipay signed in a notification: every non-empty field but sign and sign_type, sorted, `k=v&...`.

    Empty values are left out as Alipay's official Java SDK (AlipaySignature.getSignContent) does.
    """
    fields = {k: v for k, v in form.items() if k not in ("sign", "sign_type") and v}
    return "&".join(f"{k}={fields[k]}" for k in sorted(fields))


def pkcs1_pem(private_key: str) -> str:
    """The private key as PKCS#1 PEM, the form alipay-sdk-python expects (PKCS#8 and bare base64 accepted)."""
    key = _private_key(private_key)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode("ascii")


def spki_pem(public_key: str) -> str:
    """The public key as SubjectPublicKeyInfo PEM (bare base64 accepted)."""
    return _public_key(public_key).public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


@lru_cache(maxsize=64)
def _private_key(text: str) -> rsa.RSAPrivateKey:
    pem, der = _pem_or_der(text)
    key = (serialization.load_pem_private_key(pem, password=None) if pem is not None
           else serialization.load_der_private_key(der or b"", password=None))
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("Alipay needs an RSA private key")
    return key


@lru_cache(maxsize=64)
def _public_key(text: str) -> rsa.RSAPublicKey:
    pem, der = _pem_or_der(text)
    key = serialization.load_pem_public_key(pem) if pem is not None else serialization.load_der_public_key(der or b"")
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("Alipay needs an RSA public key")
    return key


def _pem_or_der(text: str) -> tuple[bytes | None, bytes | None]:
    """PEM bytes, or the DER of bare base64 (as Alipay's console shows keys)."""
    stripped = text.replace("\\n", "\n").strip()
    if "-----BEGIN" in stripped:
        return stripped.encode("ascii"), None
    return None, base64.b64decode("".join(stripped.split()), validate=True)
