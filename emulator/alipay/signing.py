"""RSA2 (SHA256withRSA, PKCS#1 v1.5) as Alipay's open platform uses it, on `cryptography`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_SIZE = 2048


def generate_private_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key, the size Alipay issues."""
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def _der_body(text: str) -> bytes:
    """The DER bytes of a PEM block or of one bare line of base64."""
    lines = [line.strip() for line in text.strip().splitlines()]
    body = "".join(line for line in lines if line and not line.startswith("-----"))
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as e:
        raise ValueError("the key is neither PEM nor base64") from e


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PKCS#1 or PKCS#8, as PEM or bare base64."""
    der = _der_body(text)
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the private key is not an RSA key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from a PEM (SubjectPublicKeyInfo or PKCS#1) or bare base64 SubjectPublicKeyInfo."""
    if "BEGIN RSA PUBLIC KEY" in text:
        key = serialization.load_pem_public_key(text.strip().encode())
    else:
        key = serialization.load_der_public_key(_der_body(text))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the public key is not an RSA key")
    return key


def public_key_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    """The SubjectPublicKeyInfo PEM of a key."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


def public_key_base64(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    """The SubjectPublicKeyInfo DER as one line of base64, as Alipay's console shows it."""
    return "".join(line for line in public_key_pem(key).splitlines() if not line.startswith("-----"))


def sign_content(params: Mapping[str, str], exclude: Iterable[str] = ("sign",)) -> str:
    """Alipay's string to sign: non-empty parameters but the excluded, sorted by key, `k=v` joined by `&`."""
    skipped = set(exclude)
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in skipped and v != "")


def rsa2_sign(key: rsa.RSAPrivateKey, content: str, charset: str = "utf-8") -> str:
    """The base64 SHA256withRSA signature of content encoded in charset."""
    signature = key.sign(content.encode(charset), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify(key: rsa.RSAPublicKey, content: str, signature: str, charset: str = "utf-8") -> bool:
    """Whether signature is a valid base64 SHA256withRSA signature of content."""
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, content.encode(charset), padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, ValueError, InvalidSignature, UnicodeEncodeError):
        return False
    return True
