"""WeChat Pay's own identity: the platform public key (with its id) and, for certificate mode, a certificate."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from emulator.alipay.signing import generate_private_key, public_key_pem
from emulator.wechat import wire
from emulator.wechat.orders import Mode

CERTIFICATE_YEARS = 5


def new_public_key_id() -> str:
    """A public key id shaped like WeChat's: PUB_KEY_ID_ and 28 digits."""
    return "PUB_KEY_ID_0114" + wire.digits(24)


class Platform:
    """The keys WeChat Pay signs answers and callbacks with."""

    def __init__(
        self, key: rsa.RSAPrivateKey, public_key_id: str, certificate_key: rsa.RSAPrivateKey | None = None
    ) -> None:
        self.key = key
        self.public_key_id = public_key_id
        self._certificate_key = certificate_key

    @property
    def public_key_pem(self) -> str:
        """The PEM merchants configure as the WeChat Pay public key."""
        return public_key_pem(self.key)

    @cached_property
    def certificate_key(self) -> rsa.RSAPrivateKey:
        """The platform certificate's key: a different key from the public-key mode one, made on first use."""
        return self._certificate_key or generate_private_key()

    @cached_property
    def certificate(self) -> x509.Certificate:
        """A self-signed platform certificate, valid from a day ago for five years."""
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenpay.com"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (emulator)"),
        ])
        start = wire.now() - timedelta(days=1)
        return (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.certificate_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=365 * CERTIFICATE_YEARS))
            .sign(self.certificate_key, hashes.SHA256())
        )

    @property
    def serial_no(self) -> str:
        """The certificate's serial as WeChat writes it: upper-case hex."""
        return f"{self.certificate.serial_number:X}"

    @property
    def certificate_pem(self) -> str:
        """The certificate as PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def signer(self, mode: Mode) -> tuple[rsa.RSAPrivateKey, str]:
        """The key and the Wechatpay-Serial to sign with for a merchant in mode."""
        if mode is Mode.CERTIFICATE:
            return self.certificate_key, self.serial_no
        return self.key, self.public_key_id
