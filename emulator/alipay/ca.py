"""Alipay's certificate mode, offline: a throwaway CA that issues app and Alipay certificates, and rotates.

The shape follows Alipay's: a root file holding an RSA root (sha256WithRSA) beside an ECDSA root that SN
computation must skip, an intermediate ("Class 2") that issues the end-entity certificates, and
alipayCertPublicKey_RSA2.crt written as the leaf followed by its intermediate.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

YEAR = timedelta(days=365)


def _name(common_name: str, unit: str = "Certification Authority") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Emulated Ant Financial"),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def sn(certificate: x509.Certificate) -> str:
    """Alipay's certificate SN: md5 of the issuer (RFC 4514 order, last RDN first) and the decimal serial."""
    text = certificate.issuer.rfc4514_string() + str(certificate.serial_number)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class CertificateAuthority:
    """The emulator's own CA: roots, the issuing intermediate, and Alipay's current certificate."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        self._now = now
        self.root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.root = self._sign(_name("Emulated Alipay Root R1"), self.root_key.public_key(), _name("Emulated Alipay "
                               "Root R1"), self.root_key, ca=True, years=20)
        ec_key = ec.generate_private_key(ec.SECP384R1())
        self.ec_root = self._sign(_name("Emulated Alipay Root E1"), ec_key.public_key(),
                                  _name("Emulated Alipay Root E1"), ec_key, ca=True, years=20)
        self.issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer = self._sign(_name("Emulated Alipay Class 2 R1"), self.issuer_key.public_key(),
                                 self.root.subject, self.root_key, ca=True, years=10)
        self.alipay_certs: dict[str, str] = {}  # SN → PEM (leaf and intermediate), every one issued
        self.current_sn = ""

    @property
    def root_file(self) -> str:
        """alipayRootCert.crt: the ECDSA root first (skipped by the SN rule), then the RSA root."""
        return _pem(self.ec_root) + _pem(self.root)

    @property
    def root_sn(self) -> str:
        """alipay_root_cert_sn for root_file: only the RSA-signed root counts."""
        return sn(self.root)

    def issue_app(self, app_id: str, public_key: rsa.RSAPublicKey) -> tuple[str, str]:
        """appCertPublicKey_<app_id>.crt for the app's public key, and its SN."""
        certificate = self._sign(_name(app_id, "Alipay"), public_key, self.issuer.subject, self.issuer_key)
        return _pem(certificate), sn(certificate)

    def issue_alipay(self, key: rsa.RSAPrivateKey) -> str:
        """A new alipayCertPublicKey_RSA2.crt for Alipay's key, which becomes the current one; its SN."""
        certificate = self._sign(_name("Emulated Alipay", "Alipay"), key.public_key(), self.issuer.subject,
                                 self.issuer_key)
        self.current_sn = sn(certificate)
        self.alipay_certs[self.current_sn] = _pem(certificate) + _pem(self.issuer)
        return self.current_sn

    def _sign(self, subject: x509.Name, public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
              issuer: x509.Name, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, *, ca: bool = False,
              years: int = 5) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(self._now - timedelta(days=1)).not_valid_after(self._now + years * YEAR)
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        return builder.sign(key, hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA256())
