"""RSA key material for WeChat Pay: the merchant key as the SDK needs it, and the keys paycore trusts."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.gateways.wechat.credentials import WeChatCredentials
from application.errors import InvalidKeyMaterial


def private_key(text: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PKCS#8 or PKCS#1 PEM, or bare base64 DER of either."""
    data = text.strip().encode("ascii", "replace")
    try:
        if data.startswith(b"-----"):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(base64.b64decode(data, validate=True), password=None)
    except (ValueError, TypeError, binascii.Error) as e:
        raise InvalidKeyMaterial("the merchant private key is not a readable unencrypted RSA key",
                                 "商户私钥无法读取，或不是未加密的 RSA 私钥") from e
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidKeyMaterial("the merchant private key is not an RSA key", "商户私钥不是 RSA 密钥")
    return key


def pkcs8_pem(text: str) -> str:
    """The merchant private key as PKCS#8 PEM: wechatpayv3 cannot read PKCS#1."""
    return private_key(text).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()).decode("ascii")


def public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from SubjectPublicKeyInfo or PKCS#1 PEM, a certificate, or bare base64 DER."""
    data = text.strip().encode("ascii", "replace")
    key: object
    try:
        if b"CERTIFICATE-----" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        elif data.startswith(b"-----"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(base64.b64decode(data, validate=True))
    except (ValueError, TypeError, binascii.Error) as e:
        raise InvalidKeyMaterial("the WeChat Pay public key is not a readable RSA public key",
                                 "微信支付公钥无法读取，或不是 RSA 公钥") from e
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidKeyMaterial("the WeChat Pay public key is not an RSA key", "微信支付公钥不是 RSA 密钥")
    return key


def spki_pem(key: rsa.RSAPublicKey) -> str:
    """A public key as SubjectPublicKeyInfo PEM, the form wechatpayv3 reads."""
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def certificates(pems: tuple[str, ...]) -> list[x509.Certificate]:
    """Every certificate in the configured PEM texts."""
    found: list[x509.Certificate] = []
    for pem in pems:
        if not pem.strip():
            continue
        try:
            found.extend(x509.load_pem_x509_certificates(pem.strip().encode("ascii", "replace")))
        except ValueError as e:
            raise InvalidKeyMaterial("a WeChat Pay platform certificate is not a readable PEM certificate",
                                     "微信支付平台证书不是可读取的 PEM 证书") from e
    for cert in found:
        if not isinstance(cert.public_key(), rsa.RSAPublicKey):
            raise InvalidKeyMaterial("a WeChat Pay platform certificate does not hold an RSA key",
                                     "微信支付平台证书中的密钥不是 RSA 密钥")
    return found


def serial_hex(cert: x509.Certificate) -> str:
    """A certificate's serial as WeChat writes it in Wechatpay-Serial: upper-case hex."""
    return format(cert.serial_number, "X")


@dataclass(frozen=True, slots=True)
class TrustedKeys:
    """The keys WeChat may sign with, by the serial it names: the public key id and certificate serials.

    Nothing else is ever trusted and nothing is fetched here: an unknown serial finds no key, and so does a
    certificate outside its validity period. In certificate mode the certificates grow as WeChat's
    /v3/certificates hands out new ones (see platform_certs), one gateway's answers and callbacks sharing them.
    """

    public_key_id: str
    public_key: rsa.RSAPublicKey | None
    by_serial: dict[int, x509.Certificate]

    @classmethod
    def of(cls, credentials: WeChatCredentials) -> TrustedKeys:
        """The keys the credentials configure."""
        key = public_key(credentials.wechat_public_key_pem) if credentials.public_key_mode else None
        by_serial = {cert.serial_number: cert for cert in certificates(credentials.platform_cert_pems)}
        return cls(credentials.wechat_public_key_id, key, by_serial)

    def certificates(self) -> list[x509.Certificate]:
        """The trusted platform certificates, the newest-issued last."""
        return sorted(self.by_serial.values(), key=lambda cert: cert.not_valid_before_utc)

    def learn(self, certs: list[x509.Certificate]) -> list[x509.Certificate]:
        """Trust these certificates too; the ones that were not trusted yet."""
        fresh = [cert for cert in certs if cert.serial_number not in self.by_serial]
        self.by_serial.update({cert.serial_number: cert for cert in fresh})
        return fresh

    def find(self, serial: str, at: datetime) -> rsa.RSAPublicKey | None:
        """The key for a Wechatpay-Serial value at a moment, or None."""
        if self.public_key is not None and serial == self.public_key_id:
            return self.public_key
        if not serial or len(serial) > 64 or any(c not in "0123456789abcdefABCDEF" for c in serial):
            return None
        cert = self.by_serial.get(int(serial, 16))
        if cert is None or not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
            return None
        key = cert.public_key()
        assert isinstance(key, rsa.RSAPublicKey)  # certificates() refuses other keys
        return key
