"""WeChat Pay's own identity: the platform public key (with its id) and, for certificate mode, the platform
certificates, which it can rotate: a new certificate signs from then on, the previous ones stay valid (and listed
by /v3/certificates) until they expire, as during WeChat's overlap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from emulator.alipay.signing import generate_private_key, public_key_pem
from emulator.wechat import wire
from emulator.wechat.orders import Mode

CERTIFICATE_YEARS = 5
NAME = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenpay.com"),
    x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (emulator)"),
])


def new_public_key_id() -> str:
    """A public key id shaped like WeChat's: PUB_KEY_ID_ and 28 digits."""
    return "PUB_KEY_ID_0114" + wire.digits(24)


@dataclass(frozen=True)
class PlatformCertificate:
    """One platform certificate and its private key."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def issue(cls, key: rsa.RSAPrivateKey) -> PlatformCertificate:
        """A self-signed certificate of the key, valid from a day ago for five years."""
        start = wire.now() - timedelta(days=1)
        cert = (
            x509.CertificateBuilder().subject_name(NAME).issuer_name(NAME).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=365 * CERTIFICATE_YEARS))
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @property
    def serial_no(self) -> str:
        """The serial as WeChat writes it: upper-case hex."""
        return f"{self.certificate.serial_number:X}"

    @property
    def pem(self) -> str:
        """The certificate as PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


class Platform:
    """The keys WeChat Pay signs answers and callbacks with."""

    def __init__(
        self, key: rsa.RSAPrivateKey, public_key_id: str, certificate_key: rsa.RSAPrivateKey | None = None
    ) -> None:
        self.key = key
        self.public_key_id = public_key_id
        self._certificate_key = certificate_key
        self._certificates: list[PlatformCertificate] = []  # the oldest first; made on first use

    @property
    def public_key_pem(self) -> str:
        """The PEM merchants configure as the WeChat Pay public key."""
        return public_key_pem(self.key)

    @property
    def certificates(self) -> list[PlatformCertificate]:
        """Every platform certificate still valid, the oldest first; the last one signs."""
        self._first()
        now = wire.now()
        return [c for c in self._certificates if c.certificate.not_valid_after_utc > now] or self._certificates[-1:]

    @property
    def current(self) -> PlatformCertificate:
        """The certificate WeChat signs with now."""
        return self.certificates[-1]

    @property
    def previous(self) -> PlatformCertificate | None:
        """The certificate before the current one, valid during the overlap; None before any rotation."""
        listed = self.certificates
        return listed[-2] if len(listed) > 1 else None

    def rotate_certificate(self) -> PlatformCertificate:
        """Issue a new platform certificate that signs from now on; the previous ones stay valid."""
        self._first()
        self._certificates.append(PlatformCertificate.issue(generate_private_key()))
        return self._certificates[-1]

    def _first(self) -> None:
        if not self._certificates:
            self._certificates.append(PlatformCertificate.issue(self._certificate_key or generate_private_key()))

    @property
    def serial_no(self) -> str:
        """The current certificate's serial as WeChat writes it: upper-case hex."""
        return self.current.serial_no

    @property
    def certificate_pem(self) -> str:
        """The current certificate as PEM."""
        return self.current.pem

    def signer(self, mode: Mode) -> tuple[rsa.RSAPrivateKey, str]:
        """The key and the Wechatpay-Serial to sign with for a merchant in mode."""
        if mode is Mode.CERTIFICATE:
            return self.current.key, self.current.serial_no
        return self.key, self.public_key_id
