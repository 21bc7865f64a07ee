"""RSA key material for tests, made once per test process (2048-bit generation is slow)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class KeyPair:
    """One RSA key in every form a person might paste."""

    pkcs1_pem: str
    pkcs8_pem: str
    public_pem: str
    public_der: bytes

    @property
    def pkcs8_base64(self) -> str:
        """The PKCS#8 DER as one line of base64, as Alipay's console gives it."""
        return "".join(line for line in self.pkcs8_pem.splitlines() if not line.startswith("-----"))

    @property
    def public_base64(self) -> str:
        """The public key's DER as one line of base64."""
        return base64.b64encode(self.public_der).decode()


@cache
def key_pair(n: int = 0) -> KeyPair:
    """The n-th test key pair (each n is a different key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs1 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()).decode()
    pkcs8 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    public = key.public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return KeyPair(pkcs1, pkcs8, pem, der)
