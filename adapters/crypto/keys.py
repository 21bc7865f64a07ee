"""RSA key material as people paste it (PEM, PKCS#1 or PKCS#8, bare base64, certificates), normalised."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import NoReturn, TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from application.errors import InvalidKeyMaterial
from application.ports.crypto import KeyInspector

MIN_BITS = 2048
GARBAGE = ("not a PEM or base64 RSA private key", "不是 PEM 或 base64 格式的 RSA 私钥")
Reason = tuple[str, str]  # why, in English and in Chinese
_ROLE_ZH = {"public key": "公钥", "private key": "私钥", "certificate": "证书", "key": "密钥"}
_K = TypeVar("_K", rsa.RSAPrivateKey, rsa.RSAPublicKey)
_Loaders = tuple[Callable[[bytes], PrivateKeyTypes], tuple[Callable[[bytes], PublicKeyTypes], ...]]


class RsaKeyInspector(KeyInspector):
    """Parses RSA keys with `cryptography`; refusals carry a `reason` and never echo the key."""

    def private_key(self, text: str, *, pkcs8: bool = False) -> str:
        """PKCS#1 PEM (alipay-sdk-python) or, with pkcs8, PKCS#8 PEM (wechatpayv3)."""
        key = _private(text)
        encoding = serialization.PrivateFormat.PKCS8 if pkcs8 else serialization.PrivateFormat.TraditionalOpenSSL
        return key.private_bytes(serialization.Encoding.PEM, encoding, serialization.NoEncryption()).decode("ascii")

    def public_key(self, text: str) -> str:
        """A PEM or bare base64 public key (SPKI or PKCS#1), or an X.509 certificate, as SPKI PEM."""
        private, public = _load(text, "public key", ("not a PEM or base64 RSA public key or certificate",
                                                     "不是 PEM 或 base64 格式的 RSA 公钥或证书"))
        if private is not None:
            _refuse("public key", ("this is a private key; only the public key belongs here",
                                   "填的是私钥；此处只能填公钥"))
        if not isinstance(public, rsa.RSAPublicKey):
            _refuse("public key", _not_rsa(public))
        return _spki_pem(_sized(public, "public key"))

    def public_key_of(self, private_key_pem: str) -> str:
        """The public half of a private key, as SubjectPublicKeyInfo PEM."""
        return _spki_pem(_private(private_key_pem).public_key())

    def fingerprint(self, key_pem: str) -> str:
        """`sha256:<hex>` of the public key's SubjectPublicKeyInfo DER (of a private key's public half)."""
        _, public = _load(key_pem, "key", ("not a PEM or base64 RSA key", "不是 PEM 或 base64 格式的 RSA 密钥"))
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return "sha256:" + hashlib.sha256(der).hexdigest()

    def certificate_serials(self, pem_text: str) -> list[str]:
        """The serial of every PEM certificate in the text, upper-case hex as WeChat writes `Wechatpay-Serial`."""
        try:
            certificates = x509.load_pem_x509_certificates(pem_text.strip().encode("ascii", "replace"))
        except ValueError:
            _refuse("certificate", ("not a readable PEM certificate", "不是可读取的 PEM 证书"))
        return [format(c.serial_number, "X") for c in certificates]

    def __repr__(self) -> str:
        return "RsaKeyInspector()"


def _private(text: str) -> rsa.RSAPrivateKey:
    private, public = _load(text, "private key", GARBAGE)
    if private is None:
        _refuse("private key", ("this is a public key; a private key belongs here", "填的是公钥；此处应填私钥"))
    if not isinstance(private, rsa.RSAPrivateKey):
        _refuse("private key", _not_rsa(public))
    return _sized(private, "private key")


def _load(text: str, role: str, garbage: Reason) -> tuple[PrivateKeyTypes | None, PublicKeyTypes]:
    """The private key (None for a public key or certificate) and the public key."""
    pem = _normalise(text)
    if "-----BEGIN" in pem:
        blob, (private, publics) = pem.encode("utf-8"), _PEM_LOADERS
    else:
        der = _base64(pem)
        if der is None:
            _refuse(role, garbage)
        blob, (private, publics) = der, _DER_LOADERS
    try:
        key = private(blob)
        return key, key.public_key()
    except TypeError:  # cryptography's word for "encrypted, and no password given"
        _refuse(role, ("the key is encrypted; export it without a passphrase", "密钥已加密；请导出不带密码的密钥"))
    except (ValueError, UnsupportedAlgorithm):
        pass
    for public in publics:
        try:
            return None, public(blob)
        except (ValueError, UnsupportedAlgorithm):
            continue
    _refuse(role, garbage)


def _normalise(text: str) -> str:
    """Undo what pasting does: literal \\n from JSON or env files, indentation, surrounding blanks."""
    lines = text.replace("\\n", "\n").strip().splitlines()
    return "\n".join(line.strip() for line in lines)


def _base64(text: str) -> bytes | None:
    compact = "".join(text.split())
    if not compact:
        return None
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _not_rsa(key: PublicKeyTypes) -> Reason:
    kinds = ((ec.EllipticCurvePublicKey, "an EC key", "EC"), (dsa.DSAPublicKey, "a DSA key", "DSA"),
             (ed25519.Ed25519PublicKey, "an Ed25519 key", "Ed25519"), (ed448.Ed448PublicKey, "an Ed448 key", "Ed448"))
    english, chinese = next(((en, f" {zh} 密钥") for cls, en, zh in kinds if isinstance(key, cls)),
                            ("not an RSA key", "非 RSA 密钥"))
    return f"this is {english}; providers need an RSA key", f"填的是{chinese}；支付平台需要 RSA 密钥"


def _sized(key: _K, role: str) -> _K:
    if key.key_size < MIN_BITS:
        _refuse(role, (f"RSA key is {key.key_size} bits; providers need at least {MIN_BITS}",
                       f"RSA 密钥只有 {key.key_size} 位；支付平台要求至少 {MIN_BITS} 位"))
    return key


def _spki_pem(key: rsa.RSAPublicKey) -> str:
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii")


def _refuse(role: str, reason: Reason) -> NoReturn:
    raise InvalidKeyMaterial(*reason, role=role, role_zh=_ROLE_ZH[role]) from None


_PEM_LOADERS: _Loaders = (
    lambda b: serialization.load_pem_private_key(b, password=None),
    (serialization.load_pem_public_key, lambda b: x509.load_pem_x509_certificate(b).public_key()),
)
_DER_LOADERS: _Loaders = (
    lambda b: serialization.load_der_private_key(b, password=None),
    (serialization.load_der_public_key, lambda b: x509.load_der_x509_certificate(b).public_key()),
)
